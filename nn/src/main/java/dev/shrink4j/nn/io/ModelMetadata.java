package dev.shrink4j.nn.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.Normalization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * What shrink4j records in the {@code "__metadata__"} of the safetensors files it exports, so that a
 * file says which model it belongs to and how its inputs are prepared. Every value is a string (the
 * format allows nothing else); the keys:
 * <ul>
 *   <li>{@value #VERSION}: the shrink4j version that wrote the file (always present);</li>
 *   <li>{@value #ARCH}: the architecture's zoo name ({@code lenet5}, {@code resnet20}, …);</li>
 *   <li>{@value #DATASET}: the dataset the model was sized and trained for ({@code fashion-mnist});</li>
 *   <li>{@value #INPUT_MEAN}, {@value #INPUT_STD}: the input normalisation {@code (x/255 − mean)/std},
 *       JSON arrays with one number per channel (or one for all channels);</li>
 *   <li>{@value #ALGORITHM}: the compression algorithm (the config-file name on the command line, the
 *       class name from the Java API);</li>
 *   <li>{@value #CONFIG}: its configuration as JSON (on the command line the config file itself:
 *       algorithm, options and {@code config_list}; from the Java API {@code {"config_list": [...]}});</li>
 *   <li>{@value #CONTENTS}: what the tensors are: {@value #WEIGHTS}, {@value #MASKED_WEIGHTS},
 *       {@value #MASKS}, {@value #SHRUNK_WEIGHTS}, {@value #FAKE_QUANT_WEIGHTS} or {@value #INT8_WEIGHTS};</li>
 *   <li>{@value #LAYER_WIDTHS}: the channel widths of every resizable layer ({@link LayerWidths}), which a
 *       physically pruned model needs to be rebuilt from its architecture's name.</li>
 * </ul>
 * Values are immutable; the {@code with…} methods return a copy with one more entry.
 */
public final class ModelMetadata {

    /** Key: the shrink4j version that wrote the file. */
    public static final String VERSION = "shrink4j_version";
    /** Key: the architecture's zoo name. */
    public static final String ARCH = "arch";
    /** Key: the dataset the model is sized for. */
    public static final String DATASET = "dataset";
    /** Key: the per-channel input means (JSON array). */
    public static final String INPUT_MEAN = "input_mean";
    /** Key: the per-channel input standard deviations (JSON array). */
    public static final String INPUT_STD = "input_std";
    /** Key: the compression algorithm. */
    public static final String ALGORITHM = "algorithm";
    /** Key: the algorithm's configuration (JSON). */
    public static final String CONFIG = "config";
    /** Key: what the file's tensors are. */
    public static final String CONTENTS = "contents";
    /** Key: the widths of the resizable layers (JSON, see {@link LayerWidths}). */
    public static final String LAYER_WIDTHS = "layer_widths";

    /** {@value #CONTENTS}: a plain full-precision state dict. */
    public static final String WEIGHTS = "weights";
    /** {@value #CONTENTS}: a state dict whose pruned weights are multiplied by their masks. */
    public static final String MASKED_WEIGHTS = "masked_weights";
    /** {@value #CONTENTS}: pruning masks ({@code <layer>.weight_mask}, {@code <layer>.bias_mask}). */
    public static final String MASKS = "masks";
    /** {@value #CONTENTS}: the state dict of a physically pruned model, smaller layers under the original keys. */
    public static final String SHRUNK_WEIGHTS = "shrunk_weights";
    /** {@value #CONTENTS}: a state dict holding the weights a quantized forward computes with. */
    public static final String FAKE_QUANT_WEIGHTS = "fake_quant_weights";
    /** {@value #CONTENTS}: integer weights with {@code <layer>.weight_scale} and {@code <layer>.weight_zero_point}. */
    public static final String INT8_WEIGHTS = "int8_weights";

    private static final ModelMetadata EMPTY = new ModelMetadata(Map.of());

    private final Map<String, String> entries;

    private ModelMetadata(Map<String, String> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** No entries (the version is added by {@link #asMap()}). */
    public static ModelMetadata empty() {
        return EMPTY;
    }

    /** The entries of a file's metadata as they are (see {@link #read(Path)}). */
    public static ModelMetadata of(Map<String, String> entries) {
        Objects.requireNonNull(entries, "entries");
        entries.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("metadata entries cannot be null: " + k + "=" + v);
            }
        });
        return new ModelMetadata(entries);
    }

    /**
     * The metadata of a safetensors file (validating the whole header, see {@link SafeTensors#metadata}).
     *
     * @throws SafeTensorsException when the file is not a valid safetensors file
     */
    public static ModelMetadata read(Path file) throws IOException {
        return new ModelMetadata(SafeTensors.metadata(file));
    }

    /** The version of shrink4j these classes belong to ({@code 0.1.0-SNAPSHOT}). */
    public static String shrink4jVersion() {
        return VersionHolder.VERSION;
    }

    /** A copy with {@code key} set to {@code value} (replacing an earlier value). */
    public ModelMetadata with(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<String, String> copy = new LinkedHashMap<>(entries);
        copy.put(key, value);
        return new ModelMetadata(copy);
    }

    /** A copy with {@code key} set to {@code value} unless it already has a value. */
    public ModelMetadata withDefault(String key, String value) {
        return entries.containsKey(key) ? this : with(key, value);
    }

    /** A copy with {@value #ARCH}. */
    public ModelMetadata withArch(String arch) {
        return with(ARCH, arch);
    }

    /** A copy with {@value #DATASET}. */
    public ModelMetadata withDataset(String dataset) {
        return with(DATASET, dataset);
    }

    /** A copy with {@value #INPUT_MEAN} and {@value #INPUT_STD} of {@code n}. */
    public ModelMetadata withNormalization(Normalization n) {
        JsonArray mean = new JsonArray();
        JsonArray std = new JsonArray();
        for (int c = 0; c < n.channels(); c++) {
            mean.add(n.mean(c));
            std.add(n.std(c));
        }
        return with(INPUT_MEAN, mean.toString()).with(INPUT_STD, std.toString());
    }

    /** A copy with {@value #ALGORITHM} and {@value #CONFIG}. */
    public ModelMetadata withAlgorithm(String algorithm, String configJson) {
        return with(ALGORITHM, algorithm).with(CONFIG, configJson);
    }

    /** A copy with {@value #LAYER_WIDTHS} recording {@code model}'s current widths ({@link LayerWidths#of}). */
    public ModelMetadata withLayerWidths(dev.shrink4j.nn.Module model) {
        return with(LAYER_WIDTHS, LayerWidths.toJson(LayerWidths.of(model)));
    }

    /**
     * {@value #LAYER_WIDTHS}, if present.
     *
     * @throws IllegalArgumentException naming the key when it does not hold valid widths
     */
    public Optional<Map<String, Map<String, Long>>> layerWidths() {
        return get(LAYER_WIDTHS).map(LayerWidths::parse);
    }

    /** A copy with {@value #CONTENTS}. */
    public ModelMetadata withContents(String contents) {
        return with(CONTENTS, contents);
    }

    /** The value of {@code key}, if present. */
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** {@value #ARCH}, if present. */
    public Optional<String> arch() {
        return get(ARCH);
    }

    /** {@value #ALGORITHM}, if present. */
    public Optional<String> algorithm() {
        return get(ALGORITHM);
    }

    /** {@value #CONFIG}, if present. */
    public Optional<String> config() {
        return get(CONFIG);
    }

    /** {@value #CONTENTS}, if present. */
    public Optional<String> contents() {
        return get(CONTENTS);
    }

    /**
     * The input normalisation recorded in {@value #INPUT_MEAN} and {@value #INPUT_STD}; empty when
     * neither is present.
     *
     * @throws IllegalArgumentException naming the key when only one is present, when either is not a
     *     non-empty JSON array of numbers, or when they do not make a {@link Normalization} (lengths
     *     differ, a std is not positive)
     */
    public Optional<Normalization> normalization() {
        String mean = entries.get(INPUT_MEAN);
        String std = entries.get(INPUT_STD);
        if (mean == null && std == null) {
            return Optional.empty();
        }
        if (mean == null || std == null) {
            throw new IllegalArgumentException("metadata has " + (mean == null ? INPUT_STD : INPUT_MEAN) + " but no "
                    + (mean == null ? INPUT_MEAN : INPUT_STD));
        }
        double[] m = numbers(INPUT_MEAN, mean);
        double[] s = numbers(INPUT_STD, std);
        try {
            return Optional.of(Normalization.of(m, s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata " + INPUT_MEAN + "/" + INPUT_STD + ": " + e.getMessage(), e);
        }
    }

    private static double[] numbers(String key, String json) {
        String bad = "metadata " + key + " must be a non-empty JSON array of finite numbers, got " + json;
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(bad, e);
        }
        if (!root.isJsonArray() || root.getAsJsonArray().isEmpty()) {
            throw new IllegalArgumentException(bad);
        }
        JsonArray a = root.getAsJsonArray();
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !Double.isFinite(e.getAsDouble())) {
                throw new IllegalArgumentException(bad);
            }
            out[i] = e.getAsDouble();
        }
        return out;
    }

    /** The entries to write, {@value #VERSION} first (this version unless an entry sets it). */
    public Map<String, String> asMap() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(VERSION, shrink4jVersion());
        out.putAll(entries);
        return Collections.unmodifiableMap(out);
    }

    /** The entries as given, without the added version. */
    public Map<String, String> entries() {
        return entries;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelMetadata m && entries.equals(m.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "ModelMetadata" + entries;
    }

    /** Reads the version once, from the resource Maven fills in at build time. */
    private static final class VersionHolder {
        static final String VERSION = load();

        private static String load() {
            String resource = "/dev/shrink4j/nn/io/shrink4j-version.properties";
            try (InputStream in = ModelMetadata.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is missing from the classpath: the nn module was not built"
                            + " by Maven");
                }
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v == null || v.isBlank() || v.contains("${")) {
                    throw new IllegalStateException(resource + " holds no version (\"" + v + "\"): resource filtering did not run");
                }
                return v;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
    }
}
