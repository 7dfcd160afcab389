package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.algorithms.ModelRestorer;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.graph.speedup.ShrunkModels;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.StateDictException;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.io.SafeTensorsException;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/** Creates zoo models for a dataset and loads weights into them, turning user mistakes into {@link UsageException}s. */
public final class Models {

    private Models() {
    }

    /**
     * A fresh {@code arch} sized for {@code data} (input channels, classes).
     *
     * @throws UsageException for an unknown architecture or one that does not take the dataset's images
     */
    public static Module create(String arch, DataSpec data) {
        try {
            return ModelZoo.create(arch, data.channels(), data.classes());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--arch: " + e.getMessage(), e);
        }
    }

    /**
     * The check of a config against a fresh {@code arch} model for {@code data}, for
     * {@link CompressionConfig#read(Path, dev.shrink4j.algorithms.AlgorithmRegistry,
     * dev.shrink4j.algorithms.AlgorithmKind, CompressionConfig.ModelCheck)}: {@link CompressorFactory#modelCheck}
     * with an optimizer when {@code finetunes} says the run will have one.
     *
     * @throws UsageException (when the check runs) when {@code arch} is unknown
     */
    public static CompressionConfig.ModelCheck configCheck(String arch, DataSpec data, Predicate<CompressionConfig> finetunes) {
        // evaluates: the structural runs pass the test accuracy to accuracy-first entries (StructuralRun)
        return CompressorFactory.modelCheck(() -> create(arch, data), data.inputShape(1), finetunes, true);
    }

    /**
     * A fresh {@code arch} sized for {@code data} with the safetensors state dict {@code weights} loaded
     * (strict); the model is closed again when the weights do not load. A physically pruned file (one whose
     * metadata records {@value ModelMetadata#LAYER_WIDTHS}, as {@code prune --speedup} and {@code speedup} write
     * it) is loaded into the architecture resized to the recorded widths ({@link ShrunkModels#load}); a file a
     * restructuring algorithm wrote (low-rank: {@code low_rank_layers}) through the {@link ModelRestorer} its
     * metadata names.
     *
     * @throws UsageException as {@link #create} and {@link #loadWeights} do, and when a shrunk file's widths or
     *     tensors do not fit {@code arch}
     */
    public static Module load(String arch, DataSpec data, Path weights) {
        ModelMetadata metadata = readMetadata(weights, "weights");
        boolean shrunk = metadata.layerWidths().isPresent();
        Optional<ModelRestorer> restorer = ModelRestorer.find(metadata);
        Module model = create(arch, data);
        try {
            if (restorer.isPresent()) {
                restore(restorer.get(), model, weights, arch);
            } else if (shrunk) {
                loadShrunk(model, weights, arch);
            } else {
                loadWeights(model, weights, arch);
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static void restore(ModelRestorer restorer, Module model, Path file, String arch) {
        try {
            restorer.restore(file, model);
        } catch (IllegalArgumentException e) {
            // the restorer names the file first; the culprit layer or tensor follows
            throw new UsageException("weights file " + file + " does not fit " + arch + " (restructured: \""
                    + restorer.metadataKey() + "\"): " + Messages.oneLine(e.getMessage().replaceFirst(
                            "^" + java.util.regex.Pattern.quote(file.toString()) + ": ", "")), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    private static void loadShrunk(Module model, Path file, String arch) {
        try {
            ShrunkModels.load(file, model);
        } catch (IllegalArgumentException e) {
            // ShrunkModels names the file first; the culprit tensor or width follows
            throw new UsageException("weights file " + file + " does not fit " + arch + " (a shrunk model): "
                    + Messages.oneLine(e.getMessage().replaceFirst("^" + java.util.regex.Pattern.quote(file.toString()) + ": ", "")), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /**
     * The metadata shrink4j writes into the model files of {@code arch} sized and normalised for
     * {@code data}: architecture, dataset and the dataset's input normalisation (see {@link ModelMetadata}).
     */
    public static ModelMetadata metadata(String arch, DataSpec data) {
        return ModelMetadata.empty().withArch(arch).withDataset(data.cliName()).withNormalization(data.normalization());
    }

    /**
     * Loads a safetensors state dict (strict) into {@code model}.
     *
     * @throws UsageException when the file is missing, not safetensors, or does not fit the model (keys, shapes,
     *     dtypes), or holds NaN or infinite values
     */
    public static void loadWeights(Module model, Path file, String arch) {
        try (PointerScope scope = new PointerScope()) {
            model.loadStateDict(readTensors(file, "weights"), true);
        } catch (StateDictException e) {
            boolean onlyValues = e.missingKeys().isEmpty() && e.unexpectedKeys().isEmpty() && e.shapeMismatches().isEmpty()
                    && e.dtypeMismatches().isEmpty();
            throw new UsageException("weights file " + file + (onlyValues ? "" : " does not fit " + arch)
                    + ": " + e.getMessage().replaceFirst("\n  ", " ").replace("\n  ", "; ").replaceFirst("^Error\\(s\\) in loading state dict for [^:]*: ", ""), e);
        }
    }

    /**
     * The architecture to build for {@code weights}: {@code arch} when the user gave one, else the one the file's
     * {@code metadata} records.
     *
     * @throws UsageException when neither says
     */
    public static String arch(String arch, ModelMetadata metadata, Path weights) {
        if (arch != null) {
            return arch;
        }
        return metadata.arch().orElseThrow(() -> new UsageException("--arch is needed: " + weights
                + " records no architecture in its metadata"));
    }

    /**
     * The {@code __metadata__} of a safetensors file the user named; {@code what} says which ("weights").
     *
     * @throws UsageException when the file is missing or not a safetensors file
     */
    public static ModelMetadata readMetadata(Path file, String what) {
        return readSafeTensors(file, what, ModelMetadata::read);
    }

    /**
     * The input normalisation recorded in {@code file}'s metadata, or {@code data}'s usual one when it
     * records none.
     *
     * @throws UsageException naming the file when the recorded normalisation is malformed or has a
     *     channel count other than 1 and the dataset's
     */
    public static Normalization normalization(ModelMetadata metadata, Path file, DataSpec data) {
        Normalization n;
        try {
            n = metadata.normalization().orElse(data.normalization());
        } catch (IllegalArgumentException e) {
            throw new UsageException("weights file " + file + ": " + e.getMessage(), e);
        }
        if (n.channels() != 1 && n.channels() != data.channels()) {
            throw new UsageException("weights file " + file + ": its metadata normalises " + n.channels() + " input channels, "
                    + data.cliName() + " has " + data.channels());
        }
        return n;
    }

    /**
     * Reads a safetensors file the user named; {@code what} says which ("weights", "masks").
     *
     * @throws UsageException when the file is missing or not a safetensors file
     */
    public static Map<String, Tensor> readTensors(Path file, String what) {
        return readSafeTensors(file, what, SafeTensors::load);
    }

    /** Reads a user-named safetensors file with {@code reader}: a missing or invalid file is a usage error. */
    private static <T> T readSafeTensors(Path file, String what, IOFunction<T> reader) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(what + " file " + file + " does not exist");
        }
        try {
            return reader.read(file);
        } catch (SafeTensorsException e) {
            throw new UsageException(what + " file " + file + " is not a valid safetensors file: " + e.problem(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** A reader of one file that may fail with an {@link IOException}. */
    @FunctionalInterface
    private interface IOFunction<T> {
        T read(Path file) throws IOException;
    }
}
