package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.io.ModelMetadata;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The optional {@code --arch} and {@code --data} of the commands that rewrite a weights file ({@code speedup},
 * {@code export}): by default the architecture and dataset its metadata records, so that a file shrink4j wrote
 * needs neither. {@code --model F.onnx} instead of {@code --arch} imports the model from an ONNX file; without a
 * weights file it keeps the file's own weights.
 */
public final class RecordedModelOptions {

    @Option(names = "--arch", description = "model architecture (see 'inspect'; default: the one the weights file records)")
    String arch;

    @Option(names = "--model", paramLabel = "F.onnx", description = "import the model from an ONNX file (e.g. one "
            + "torch.onnx.export wrote) instead of --arch; without --weights its own weights are used")
    Path model;

    @Option(names = "--data", description = "dataset the model is sized for: fashion-mnist, mnist, cifar10 (default: the one "
            + "the weights file records, else fashion-mnist)")
    String data;

    @Mixin
    InputAdaptOptions adaptation;

    /**
     * What a weights file is, as these options and its metadata say.
     *
     * @param recorded  the file's metadata
     * @param arch      the architecture to build
     * @param data      the dataset the model is sized for
     * @param rewritten the metadata of a file rewritten from it ({@link #rewrittenMetadata})
     */
    public record Resolved(ModelMetadata recorded, String arch, DataSpec data, ModelMetadata rewritten) {
    }

    /**
     * Reads the metadata of {@code weights} and resolves architecture, dataset and the rewritten file's metadata.
     * {@code weights} may be null with {@code --model} (the ONNX file's own weights; nothing is recorded).
     *
     * @throws dev.shrink4j.cli.run.UsageException when the file is missing or not safetensors, or names no
     *     architecture and {@code --arch} is absent
     */
    public Resolved resolve(Path weights) {
        if (weights == null && model == null) {
            throw new dev.shrink4j.cli.run.UsageException("--weights is needed (or --model F.onnx, which brings its own weights)");
        }
        ModelMetadata recorded = weights == null ? ModelMetadata.empty() : Models.readMetadata(weights, "weights");
        return new Resolved(recorded, arch(recorded, weights), data(recorded), rewrittenMetadata(recorded, weights));
    }

    /**
     * {@code --arch} or {@code --model}, else the architecture {@code recorded} (the metadata of {@code weights}) names.
     *
     * @throws dev.shrink4j.cli.run.UsageException when neither says
     */
    public String arch(ModelMetadata recorded, Path weights) {
        return Models.arch(Models.archOrModel(arch, model), recorded, weights);
    }

    /** {@code --data}, else the dataset {@code recorded} names, else Fashion-MNIST. */
    public DataSpec data(ModelMetadata recorded) {
        return adaptation.adapt(DataSpec.of(data != null ? data : recorded.get(ModelMetadata.DATASET)
                .orElse(DataSpec.FASHION_MNIST.cliName())));
    }

    /**
     * The metadata of a file rewritten from {@code weights}: what it records ({@code recorded}) except its contents
     * (the new file says its own), with the architecture, dataset and normalisation used.
     *
     * @throws dev.shrink4j.cli.run.UsageException when the recorded normalisation is malformed or does not fit
     */
    public ModelMetadata rewrittenMetadata(ModelMetadata recorded, Path weights) {
        Map<String, String> entries = new LinkedHashMap<>(recorded.entries());
        entries.remove(ModelMetadata.CONTENTS);
        DataSpec dataSpec = data(recorded);
        ModelMetadata rewritten = ModelMetadata.of(entries).withArch(arch(recorded, weights)).withDataset(dataSpec.cliName())
                .withNormalization(Models.normalization(recorded, weights, dataSpec));
        return dataSpec.isAdapted() ? rewritten.with(Models.INPUT_SHAPE, dataSpec.channels() + "x" + dataSpec.height() + "x"
                + dataSpec.width()) : rewritten;
    }
}
