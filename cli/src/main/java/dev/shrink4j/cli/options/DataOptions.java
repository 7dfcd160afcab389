package dev.shrink4j.cli.options;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.DistributedRun;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.Split;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options choosing the dataset and how it is batched. */
public final class DataOptions {

    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "dataset: fashion-mnist, mnist, cifar10 (default: ${DEFAULT-VALUE}); also sizes the model")
    String data;

    @Option(names = "--data-dir", description = "directory holding the dataset files (default: the dataset's system directory, "
            + "e.g. /usr/share/datasets/fashion-mnist)")
    Path dataDir;

    /** The batch size when {@code --batch-size} is not given and no config recommends one. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    @Option(names = "--batch-size", description = "mini-batch size (default: 64; when fine-tuning, the config's "
            + "\"finetune\" batch_size if it has one)")
    Integer batchSize;

    @Option(names = "--train-samples", defaultValue = "0", description = "use only the first N training samples (0: all)")
    int trainSamples;

    @Option(names = "--test-samples", defaultValue = "0", description = "use only the first N test samples (0: all)")
    int testSamples;

    @Mixin
    InputAdaptOptions adaptation;

    /** The dataset named by {@code --data}, adapted by {@code --input-channels} and {@code --resize} when given. */
    public DataSpec spec() {
        return adaptation.adapt(DataSpec.of(data));
    }

    /** The batch size: {@code --batch-size}, or {@value #DEFAULT_BATCH_SIZE}. */
    public int batchSize() {
        Integer given = explicitBatchSize();
        return given != null ? given : DEFAULT_BATCH_SIZE;
    }

    /** {@code --batch-size} as given, or null when it was not (a config's fine-tuning recipe may then choose). */
    public Integer explicitBatchSize() {
        if (batchSize != null && batchSize <= 0) {
            throw new UsageException("--batch-size must be positive, got " + batchSize);
        }
        return batchSize;
    }

    /** The training split, limited by {@code --train-samples}. */
    public Dataset train() {
        return load(Split.TRAIN, trainSamples, "--train-samples");
    }

    /** The test split, limited by {@code --test-samples}. */
    public Dataset test() {
        return test(spec().normalization());
    }

    /** The test split, limited by {@code --test-samples}, normalised with {@code normalization}. */
    public Dataset test(Normalization normalization) {
        return load(Split.TEST, testSamples, "--test-samples", normalization);
    }

    private Dataset load(Split split, int limit, String option) {
        return load(split, limit, option, spec().normalization());
    }

    private Dataset load(Split split, int limit, String option, Normalization normalization) {
        if (limit < 0) {
            throw new UsageException(option + " must be 0 (all) or positive, got " + limit);
        }
        Dataset full = spec().load(dataDir, split, normalization);
        if (limit == 0 || limit >= full.size()) {
            return full;
        }
        try (full) {
            return full.limit(limit);
        }
    }

    /** A shuffled training loader (seeded) over {@code train} in batches of {@link #batchSize()}. */
    public DataLoader trainLoader(Dataset train, long seed) {
        return trainLoader(train, seed, batchSize());
    }

    /**
     * A shuffled training loader (seeded) over {@code train} in batches of {@code batchSize}; in a
     * data-parallel run, over this rank's shard ({@link DistributedRun#shuffled}).
     */
    public DataLoader trainLoader(Dataset train, long seed, int batchSize) {
        return DistributedRun.shuffled(DataLoader.builder().setDataset(train).setBatchSize(batchSize), train.size(), seed).build();
    }

    /**
     * The fine-tuning loader for {@code cfg}: batches of {@code --batch-size} when given, else the config's
     * recommended size, else {@value #DEFAULT_BATCH_SIZE}.
     */
    public DataLoader finetuneLoader(Dataset train, long seed, CompressionConfig cfg) {
        return trainLoader(train, seed, cfg.finetune().batchSize(explicitBatchSize(), DEFAULT_BATCH_SIZE));
    }

    /** An unshuffled loader over {@code test}. */
    public DataLoader testLoader(Dataset test) {
        return DataLoader.builder().setDataset(test).setBatchSize(batchSize()).build();
    }
}
