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
import dev.shrink4j.onnx.ImportedModel;
import dev.shrink4j.onnx.OnnxImportException;
import dev.shrink4j.onnx.OnnxImporter;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.function.Predicate;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Creates zoo models for a dataset and loads weights into them, turning user mistakes into {@link UsageException}s.
 *
 * <p>A model imported from an ONNX file ({@code --model F.onnx}) is an architecture too: its name is
 * {@value #ONNX_ARCH_PREFIX} followed by the file's absolute path ({@link #onnxArch}), so the runs, which pass
 * architecture names around, import the file wherever they would build a zoo model, and the metadata of every weights
 * file written from it records where to rebuild it from ({@code evaluate --weights W} needs no {@code --model}
 * while the ONNX file stays where it was).
 */
public final class Models {

    /** What starts the architecture name of a model imported from an ONNX file; the file's path follows. */
    public static final String ONNX_ARCH_PREFIX = "onnx:";

    /**
     * The metadata key recording the {@code CxHxW} shape a dataset's images were adapted to ({@code --input-channels},
     * {@code --resize}) for the model; absent when they were not adapted.
     */
    public static final String INPUT_SHAPE = "input_shape";

    private Models() {
    }

    /** The architecture name of the model imported from {@code onnxFile}: {@code onnx:/absolute/path.onnx}. */
    public static String onnxArch(Path onnxFile) {
        return ONNX_ARCH_PREFIX + onnxFile.toAbsolutePath().normalize();
    }

    /**
     * The architecture the user chose: {@code --arch arch} or {@code --model model} (an ONNX file, {@link #onnxArch}),
     * or null when neither was given.
     *
     * @throws UsageException when both are given
     */
    public static String archOrModel(String arch, Path model) {
        if (arch != null && model != null) {
            throw new UsageException("--arch " + arch + " and --model " + model + " exclude each other: --arch builds a zoo "
                    + "model, --model imports an ONNX file");
        }
        return model != null ? onnxArch(model) : arch;
    }

    /**
     * A fresh {@code arch} sized for {@code data} (input channels, classes); for an {@link #onnxArch ONNX
     * architecture} the model imported from the file, with the file's weights, which must take the dataset's images.
     *
     * @throws UsageException for an unknown architecture or one that does not take the dataset's images
     */
    public static Module create(String arch, DataSpec data) {
        if (arch.startsWith(ONNX_ARCH_PREFIX)) {
            return importOnnx(Path.of(arch.substring(ONNX_ARCH_PREFIX.length())), data);
        }
        try {
            return ModelZoo.create(arch, data.channels(), data.classes());
        } catch (IllegalArgumentException e) {
            throw new UsageException("--arch: " + e.getMessage(), e);
        }
    }

    /**
     * The model imported from {@code file}, checked against {@code data}: its input must be one of the dataset's
     * images ({@code [C, H, W]}; a dynamic axis takes any size) and its output as wide as the dataset's class count.
     *
     * @throws UsageException naming the file: when it does not exist, is no ONNX model the importer takes (the
     *     importer's culprit), or does not fit the dataset (both shapes, and the dataset that fits if one does)
     */
    static ImportedModel importOnnx(Path file, DataSpec data) {
        ImportedModel model = readOnnx(file);
        long[] wanted = model.inputShape();
        long[] images = data.imageShape();
        if (!fits(wanted, images) || model.classCount() != data.classes()) {
            model.close();
            throw new UsageException(file + ": the model takes input " + shape(wanted) + " and gives " + model.classCount()
                    + " classes; " + data.cliName() + " has " + shape(images) + " images and " + data.classes() + " classes"
                    + fittingData(wanted, model.classCount()));
        }
        return model;
    }

    /**
     * What makes a known dataset fit a model taking {@code wanted} images and giving {@code classes} classes:
     * {@code " (--data d fits it)"}, or {@code " (--input-channels 3 --resize 20 adapts d)"}, or that none fits.
     */
    private static String fittingData(long[] wanted, int classes) {
        List<String> fitting = new ArrayList<>();
        List<String> adaptable = new ArrayList<>();
        for (DataSpec d : DataSpec.values()) {
            if (d.classes() != classes || wanted.length != 3) {
                continue;
            }
            String options = d.adaptingOptions(wanted);
            if (options == null) {
                continue;
            }
            if (options.isEmpty()) {
                fitting.add("--data " + d.cliName());
            } else {
                adaptable.add(options + " adapts " + d.cliName());
            }
        }
        if (!fitting.isEmpty()) {
            return " (" + String.join(" or ", fitting) + " fits it)";
        }
        return adaptable.isEmpty() ? " (no known dataset fits it)" : " (" + String.join("; ", adaptable) + ")";
    }

    /** The model imported from {@code file}; a missing file or one the importer refuses is a usage error. */
    private static ImportedModel readOnnx(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("ONNX model " + file + " does not exist");
        }
        try {
            return OnnxImporter.load(file);
        } catch (OnnxImportException e) {
            // the importer's message names the file, then the culprit
            throw new UsageException(Messages.oneLine(e.getMessage()), e);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** Whether images of shape {@code images} go into an input of shape {@code input} (non-positive: dynamic axis). */
    private static boolean fits(long[] input, long[] images) {
        if (input.length != images.length) {
            return false;
        }
        for (int i = 0; i < input.length; i++) {
            if (input[i] > 0 && input[i] != images[i]) {
                return false;
            }
        }
        return true;
    }

    private static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(d -> d > 0 ? Long.toString(d) : "?").collect(Collectors.joining("×"));
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
     * {@code weights} may be null for an ONNX architecture: the model then keeps the file's own weights.
     *
     * @throws UsageException as {@link #create} and {@link #loadWeights} do, and when a shrunk file's widths or
     *     tensors do not fit {@code arch}
     */
    public static Module load(String arch, DataSpec data, Path weights) {
        ModelMetadata metadata = weights == null ? ModelMetadata.empty() : readMetadata(weights, "weights");
        boolean shrunk = metadata.layerWidths().isPresent();
        Optional<ModelRestorer> restorer = ModelRestorer.find(metadata);
        checkAdaptation(metadata, weights, data);
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

    /**
     * Refuses {@code data} for weights whose metadata records that they were made on images adapted to another shape
     * ({@value #INPUT_SHAPE}): the adaptation is not replayed from the metadata, the options must be given again.
     */
    private static void checkAdaptation(ModelMetadata recorded, Path weights, DataSpec data) {
        String shape = data.channels() + "x" + data.height() + "x" + data.width();
        recorded.get(INPUT_SHAPE).filter(s -> !s.equals(shape)).ifPresent(s -> {
            long[] chw = Arrays.stream(s.split("x")).mapToLong(Long::parseLong).toArray();
            String options = chw.length == 3 ? data.adaptingOptions(chw) : null;
            throw new UsageException("weights file " + weights + " was made on " + s.replace("x", "×") + " images, "
                    + data.cliName() + " gives " + shape.replace("x", "×") + (options == null || options.isEmpty() ? ""
                    : " (give " + options + " again)"));
        });
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
     * {@code data}: architecture, dataset and the dataset's input normalisation (see {@link ModelMetadata}), and
     * for an {@link DataSpec#adapted adapted} dataset the image shape it was adapted to ({@value #INPUT_SHAPE}).
     */
    public static ModelMetadata metadata(String arch, DataSpec data) {
        ModelMetadata m = ModelMetadata.empty().withArch(arch).withDataset(data.cliName()).withNormalization(data.normalization());
        // informational: the adaptation is not replayed from it, evaluate and the other commands take the options again
        return data.isAdapted() ? m.with(INPUT_SHAPE, data.channels() + "x" + data.height() + "x" + data.width()) : m;
    }

    /**
     * Loads a safetensors state dict (strict) into {@code model}. A model imported from ONNX keeps its file's weights
     * when {@code file} is null.
     *
     * @throws UsageException when {@code file} is null for a zoo model (whose weights are random), when the file is missing, not safetensors, or does not fit the model (keys, shapes,
     *     dtypes), or holds NaN or infinite values
     */
    public static void loadWeights(Module model, Path file, String arch) {
        if (file == null) {
            if (model instanceof ImportedModel) {
                return;
            }
            throw new UsageException("--weights is needed with --arch " + arch + " (only --model F.onnx brings its own weights)");
        }
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
        return metadata.arch().orElseThrow(() -> new UsageException("--arch or --model is needed: " + weights
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
        if (n.channels() != 1 && n.channels() != data.storedChannels()) {
            throw new UsageException("weights file " + file + ": its metadata normalises " + n.channels() + " input channels, "
                    + data.cliName() + " has " + data.storedChannels());
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
