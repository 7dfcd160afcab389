package dev.shrink4j.samples;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.nn.optim.Sgd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * The options shared by the quick-start samples, and the little they share besides: loading
 * Fashion-MNIST (cut to {@code --limit} samples) and getting a baseline LeNet-5.
 *
 * <pre>
 * --data DIR      Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)
 * --limit N       use the first N training and the first N test images (default: all)
 * --out DIR       where the exported files go (default ./shrink4j-out)
 * --weights FILE  start from these weights (safetensors, e.g. TrainLeNet5 --checkpoint) instead of
 *                 training a baseline for one epoch
 * --seed N        random seed (default 0)
 * </pre>
 *
 * @param limit the number of training (and test) samples to use, 0 for all
 * @param weights a safetensors state dict to start from, or null to train a baseline
 */
public record SampleArgs(Path data, int limit, Path out, Path weights, long seed) {

    /** The defaults: all of Fashion-MNIST from its default directory, output to {@code ./shrink4j-out}. */
    public static SampleArgs defaults() {
        return new SampleArgs(IdxDataset.FASHION_MNIST.defaultDirectory(), 0, Path.of("shrink4j-out"), null, 0);
    }

    /**
     * Parses the options above.
     *
     * @throws IllegalArgumentException naming an unknown option, a missing value or a bad number
     */
    public static SampleArgs parse(String... args) {
        SampleArgs a = defaults();
        for (int i = 0; i < args.length; i += 2) {
            String option = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String v = args[i + 1];
            a = switch (option) {
                case "--data" -> new SampleArgs(Path.of(v), a.limit, a.out, a.weights, a.seed);
                case "--limit" -> new SampleArgs(a.data, positive(option, v), a.out, a.weights, a.seed);
                case "--out" -> new SampleArgs(a.data, a.limit, Path.of(v), a.weights, a.seed);
                case "--weights" -> new SampleArgs(a.data, a.limit, a.out, Path.of(v), a.seed);
                case "--seed" -> new SampleArgs(a.data, a.limit, a.out, a.weights, Long.parseLong(v));
                default -> throw new IllegalArgumentException("unknown option " + option
                        + "; known: --data DIR, --limit N, --out DIR, --weights FILE, --seed N");
            };
        }
        return a;
    }

    private static int positive(String option, String v) {
        int n = Integer.parseInt(v);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + n);
        }
        return n;
    }

    /** The training split, cut to {@link #limit()}; the caller closes it. */
    public Dataset trainSet() {
        return cut(IdxDataset.FASHION_MNIST.load(data, Split.TRAIN));
    }

    /** The test split, cut to {@link #limit()} too so that a short run stays short; the caller closes it. */
    public Dataset testSet() {
        return cut(IdxDataset.FASHION_MNIST.load(data, Split.TEST));
    }

    private Dataset cut(Dataset full) {
        if (limit == 0) {
            return full;
        }
        try (full) {
            return full.limit(limit);
        }
    }

    /**
     * What a sample does with its baseline: compress {@code model}, fine-tune it with {@code sgd} over
     * {@code trainLoader}, measure on {@code testLoader}, export.
     *
     * @param <R> the sample's result
     */
    @FunctionalInterface
    public interface Body<R> {

        /** Runs on the baseline, whose test accuracy is {@code baselineAccuracy}. */
        R run(LeNet5 model, Sgd sgd, DataLoader trainLoader, DataLoader testLoader, double baselineAccuracy)
                throws IOException;
    }

    /**
     * The set-up every sample shares, then {@code body}: seeds torch with {@link #seed()}, creates
     * {@link #out()}, loads the (cut) splits, makes a fresh LeNet-5 a {@link #baseline} with SGD (lr 0.01,
     * momentum 0.9, which the body goes on fine-tuning with), measures its test accuracy and runs
     * {@code body}; the datasets, model and optimizer are closed afterwards.
     */
    public <R> R withBaseline(Body<R> body) throws IOException {
        torch.manual_seed(seed);
        Files.createDirectories(out);
        try (Dataset train = trainSet(); Dataset test = testSet(); LeNet5 model = new LeNet5();
                Sgd sgd = Sgd.builder().setLearningRate(0.01).optMomentum(0.9).build(model.parameters())) {
            DataLoader trainLoader = trainLoader(train);
            DataLoader testLoader = testLoader(test);
            baseline(model, sgd, trainLoader);
            return body.run(model, sgd, trainLoader, testLoader, accuracy(model, testLoader));
        }
    }

    /** A shuffled training loader, batch 32. */
    public DataLoader trainLoader(Dataset train) {
        return DataLoader.builder().setDataset(train).setBatchSize(32).optShuffle(seed).build();
    }

    /** A test loader, batch 1000. */
    public static DataLoader testLoader(Dataset test) {
        return DataLoader.builder().setDataset(test).setBatchSize(1000).build();
    }

    /**
     * Makes {@code model} a baseline: loads {@link #weights()} when given, else trains it one epoch
     * with {@code optimizer} (the samples then reuse the same optimizer for fine-tuning).
     */
    public void baseline(Module model, Optimizer optimizer, DataLoader train) throws IOException {
        if (weights != null) {
            try (PointerScope scope = new PointerScope()) {
                model.loadStateDict(SafeTensors.load(weights), true);
            }
        } else {
            Trainer.builder().setModel(model).setOptimizer(optimizer).optProgressBar(false).build().fit(train, 1);
        }
    }

    /** Top-1 accuracy of {@code model} on {@code test}, in evaluation mode. */
    public static double accuracy(Module model, DataLoader test) {
        return new Evaluator().evaluate(model, test).accuracy();
    }

    /** Formats a share as a percentage with two decimals. */
    static String percent(double share) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * share);
    }

    /** Runs a sample's body, turning bad options into a usage message and exit status 2. */
    static SampleArgs parseOrExit(String sample, String[] args) {
        try {
            return parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(sample + ": " + e.getMessage());
            System.exit(2);
            return null;
        }
    }
}
