package dev.shrink4j.cli.options;

import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.cli.run.UsageException;
import dev.shrink4j.nn.Module;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --arch} (a zoo model) or {@code --model} (a model imported from an ONNX file, e.g. one
 * {@code torch.onnx.export} wrote), one of which the commands that work on a model ({@code train}, {@code prune},
 * {@code quantize}) need, and creating that model. An imported model takes its input shape and class count from
 * the file; the dataset must fit them ({@link Models#create}). ({@code evaluate} declares its own, optional {@code --arch}:
 * it can take the architecture from the weights file's metadata.) {@code --weights} is not here: its help
 * text differs between the commands ("trained weights" for the compressors, "weights" for
 * {@code evaluate}, optional for {@code inspect}), and picocli takes option descriptions from the
 * annotation alone.
 */
public final class ModelOptions {

    @Option(names = "--arch", description = "model architecture (see 'inspect'); this or --model is needed")
    String arch;

    @Option(names = "--model", paramLabel = "F.onnx", description = "import the model from an ONNX file (e.g. one "
            + "torch.onnx.export wrote) instead of --arch; its input shape and class count must fit --data, and its "
            + "weights are used when --weights is not given")
    Path model;

    /**
     * The architecture's name: the zoo name {@code --arch}, or for {@code --model} the ONNX file's architecture name
     * ({@link Models#onnxArch}), which the metadata of the files written from it records.
     *
     * @throws UsageException when neither or both are given
     */
    public String arch() {
        String chosen = Models.archOrModel(arch, model);
        if (chosen == null) {
            throw new UsageException("--arch (a zoo model) or --model F.onnx (an imported model) is needed");
        }
        return chosen;
    }

    /**
     * Checks, before anything is read or written, that the starting weights are known: {@code weights} is needed with
     * {@code --arch} (a zoo model's own weights are random), optional with {@code --model}.
     *
     * @throws UsageException when {@code weights} is null and {@code --model} is absent, or when
     *     neither or both of {@code --arch} and {@code --model} are given
     */
    public void checkWeights(Path weights) {
        String chosen = arch();
        if (weights == null && model == null) {
            throw new UsageException("--weights is needed with --arch " + chosen
                    + " (only --model F.onnx brings its own weights)");
        }
    }

    /**
     * The file the starting weights come from: {@code weights} when given, else the {@code --model} ONNX file (whose
     * weights an imported model keeps), e.g. for the baseline's file size.
     */
    public Path weightsFile(Path weights) {
        return weights != null ? weights : model;
    }

    /** A fresh model sized for {@code data} (see {@link Models#create}). */
    public Module create(DataSpec data) {
        return Models.create(arch(), data);
    }

    /**
     * A fresh model sized for {@code data} with {@code weights} loaded (see {@link Models#load}); for {@code --model}
     * without weights (null), the imported model with the file's weights.
     */
    public Module load(DataSpec data, Path weights) {
        return Models.load(arch(), data, weights);
    }
}
