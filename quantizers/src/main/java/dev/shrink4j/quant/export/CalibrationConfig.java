package dev.shrink4j.quant.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * NNI's {@code calibration_config}: a JSON object mapping each quantized layer to its values,
 * <pre>{@code
 * {"conv1": {"weight_bits": 8, "weight_scale": 0.0123, "weight_zero_point": 128.0,
 *            "output_bits": 8, "tracked_min_output": -1.5, "tracked_max_output": 2.25}}
 * }</pre>
 * with the keys of {@link CalibrationKeys}: {@code <type>_bits} integers, and tensor values as a
 * number (one value) or an array (per channel).
 */
public final class CalibrationConfig {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    /** Every key, in the order entries list them. */
    static final List<String> KEY_ORDER = List.of(CalibrationKeys.WEIGHT_BITS, CalibrationKeys.WEIGHT_SCALE,
            CalibrationKeys.WEIGHT_ZERO_POINT, CalibrationKeys.INPUT_BITS, CalibrationKeys.TRACKED_MIN_INPUT,
            CalibrationKeys.TRACKED_MAX_INPUT, CalibrationKeys.OUTPUT_BITS, CalibrationKeys.TRACKED_MIN_OUTPUT,
            CalibrationKeys.TRACKED_MAX_OUTPUT);

    private CalibrationConfig() {
    }

    /** The {@code <type>_bits} key of a quant type: {@code weight_bits}, {@code input_bits}, {@code output_bits}. */
    public static String bitsKey(QuantType type) {
        return type.key() + "_bits";
    }

    /**
     * The default entry of a layer: {@code <type>_bits} for each of its quant types, then every
     * wrapper buffer named in {@link CalibrationKeys#TENSOR_KEYS}.
     */
    public static JsonObject fromBuffers(ModuleWrapper wrapper, ToIntFunction<QuantType> bits) {
        JsonObject entry = new JsonObject();
        for (QuantType type : QuantConfig.types(wrapper.config())) {
            entry.addProperty(bitsKey(type), bits.applyAsInt(type));
        }
        for (String key : CalibrationKeys.TENSOR_KEYS) {
            if (wrapper.hasBuffer(key)) {
                entry.add(key, values(wrapper.getBuffer(key)));
            }
        }
        return ordered(entry);
    }

    /** A tensor's values as JSON: a number when it holds one value, else a flat array. */
    public static JsonElement values(Tensor t) {
        double[] v;
        try (PointerScope scope = new PointerScope()) {
            v = doubles(t);
        }
        if (v.length == 1) {
            return new com.google.gson.JsonPrimitive(v[0]);
        }
        JsonArray a = new JsonArray(v.length);
        for (double d : v) {
            a.add(d);
        }
        return a;
    }

    /** A tensor's values, flattened, as doubles. */
    static double[] doubles(Tensor t) {
        Tensor c = t.detach().to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out);
        return out;
    }

    /** {@code entry} with the known keys first in {@link #KEY_ORDER}, any others after them. */
    public static JsonObject ordered(JsonObject entry) {
        JsonObject out = new JsonObject();
        for (String key : KEY_ORDER) {
            if (entry.has(key)) {
                out.add(key, entry.get(key));
            }
        }
        for (Map.Entry<String, JsonElement> e : entry.entrySet()) {
            if (!out.has(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** The config as pretty-printed JSON. */
    public static String toJson(JsonObject config) {
        return GSON.toJson(config);
    }

    /** Nesting limit of a calibration file: layer → key → array of numbers is 3 deep. */
    static final int MAX_DEPTH = 16;

    /**
     * Reads a calibration file: UTF-8 text holding one strict JSON object (no comments, single quotes,
     * unquoted names, NaN; no layer or key named twice).
     *
     * @throws IllegalArgumentException naming the file when it is not UTF-8, not strict JSON or not a
     *     JSON object
     * @throws IOException when it cannot be read
     */
    public static JsonObject read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(path + ": not a calibration config (not UTF-8 text; expected JSON)", e);
        }
        JsonElement root;
        try {
            root = StrictJson.parse(text, MAX_DEPTH);
        } catch (StrictJson.StructureException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(path + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException(path + ": expected a JSON object mapping layer names to calibration values, got "
                    + (root.isJsonNull() ? "nothing" : abbreviate(root.toString())));
        }
        return root.getAsJsonObject();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
