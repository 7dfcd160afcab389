package dev.shrink4j.distill.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.shrink4j.nn.io.StrictJson;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * Reads the fields of one JSON object of a distillation config (a loss, connector, recorder or mapping
 * entry) and collects what is wrong with them instead of throwing at the first problem. Each getter
 * names a key the entry accepts; {@link #finish(String)} then reports every key no getter asked for,
 * listing the accepted ones. Values are never coerced: {@code "4"} (a string) is not a number, and
 * {@code 2.5} is not an integer.
 *
 * <p>A JSON {@code null} stands for Python's {@code None}: the nullable getters
 * ({@link #optionalInteger}, {@link #isNull}) accept it, the others treat it as a wrong value, so
 * {@code "tau": null} is an error rather than the default.
 *
 * <pre>{@code
 * ConfigReader r = ConfigReader.of("distill_losses.loss_kl", entry, errors);
 * double tau = r.positive("tau", 1.0);
 * r.finish("KLDivergence");   // distill_losses.loss_kl: unknown key "taux" for KLDivergence; accepted keys: …
 * }</pre>
 */
public final class ConfigReader {

    private final String path;
    private final JsonObject object;
    private final List<String> errors;
    private final Set<String> accepted = new LinkedHashSet<>();

    private ConfigReader(String path, JsonObject object, List<String> errors) {
        this.path = path;
        this.object = object;
        this.errors = errors;
    }

    /**
     * A reader over {@code element} found at {@code path}. When it is not an object, one error says so
     * and every getter returns its default (so callers need no special case).
     */
    public static ConfigReader of(String path, JsonElement element, List<String> errors) {
        if (element == null || !element.isJsonObject()) {
            errors.add(path + ": expected an object, got " + describe(element));
            return new ConfigReader(path, new JsonObject(), errors);
        }
        return new ConfigReader(path, element.getAsJsonObject(), errors);
    }

    /** Where the entry is, e.g. {@code distill_losses.loss_kl}. */
    public String path() {
        return path;
    }

    /** Where field {@code key} is: {@code path.key}. */
    public String at(String key) {
        return path + "." + key;
    }

    /** The list problems are added to. */
    public List<String> errors() {
        return errors;
    }

    /** Adds a problem about field {@code key}: {@code path.key: message}. */
    public void error(String key, String message) {
        errors.add(at(key) + ": " + message);
    }

    /** Whether the entry has {@code key} (with any value, {@code null} included); marks the key accepted. */
    public boolean has(String key) {
        accepted.add(key);
        return object.has(key);
    }

    /** Whether {@code key} is present with the value {@code null}; marks the key accepted. */
    public boolean isNull(String key) {
        return has(key) && object.get(key).isJsonNull();
    }

    /** The raw value of {@code key}, or null when absent; marks the key accepted. */
    public JsonElement get(String key) {
        accepted.add(key);
        return object.get(key);
    }

    /** A finite number, or {@code defaultValue} when absent. */
    public double number(String key, double defaultValue) {
        JsonElement v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!isNumber(v) || !Double.isFinite(v.getAsDouble())) {
            error(key, "expected a number, got " + describe(v));
            return defaultValue;
        }
        return v.getAsDouble();
    }

    /** A number greater than 0, or {@code defaultValue} when absent. */
    public double positive(String key, double defaultValue) {
        double v = number(key, defaultValue);
        if (!(v > 0)) {
            error(key, object.get(key).getAsString() + " must be greater than 0");
            return defaultValue;
        }
        return v;
    }

    /** {@code true} or {@code false}, or {@code defaultValue} when absent. */
    public boolean bool(String key, boolean defaultValue) {
        JsonElement v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!(v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean())) {
            error(key, "expected true or false, got " + describe(v));
            return defaultValue;
        }
        return v.getAsBoolean();
    }

    /** A string, or {@code defaultValue} when absent. */
    public String string(String key, String defaultValue) {
        JsonElement v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (!isString(v)) {
            error(key, "expected a string, got " + describe(v));
            return defaultValue;
        }
        return v.getAsString();
    }

    /** A string that must be present; null (after adding an error) when it is absent or not a string. */
    public String requiredString(String key) {
        if (!has(key)) {
            errors.add(path + ": missing \"" + key + "\"");
            return null;
        }
        return string(key, null);
    }

    /** One of {@code allowed}, or {@code defaultValue} when absent. */
    public String oneOf(String key, String defaultValue, List<String> allowed) {
        boolean present = has(key);
        String v = string(key, defaultValue);
        if (present && v != null && !allowed.contains(v) && isString(object.get(key))) {
            error(key, "\"" + v + "\" is not one of " + String.join(", ", allowed));
            return defaultValue;
        }
        return v;
    }

    /** An integer in {@code [min, max]}, or {@code defaultValue} when absent. */
    public long integer(String key, long defaultValue, long min, long max) {
        JsonElement v = get(key);
        if (v == null) {
            return defaultValue;
        }
        Long value = wholeNumberIn(key, v, min, max);
        return value == null ? defaultValue : value;
    }

    /** An integer in {@code [min, max]} that must be present; {@code min} (after adding an error) when it is not. */
    public long requiredInteger(String key, long min, long max) {
        if (!has(key)) {
            errors.add(path + ": missing \"" + key + "\"");
            return min;
        }
        return integer(key, min, min, max);
    }

    /** An integer in {@code [min, max]}, or null when absent or {@code null} (Python's {@code None}). */
    public Long optionalInteger(String key, long min, long max) {
        JsonElement v = get(key);
        if (v == null || v.isJsonNull()) {
            return null;
        }
        return wholeNumberIn(key, v, min, max);
    }

    /**
     * A size or step for both spatial dimensions, as PyTorch takes it: one integer for both, or a list of
     * two ({@code [h, w]}), each in {@code [min, max]}; {@code defaultValue} when absent.
     */
    public long[] pair(String key, long[] defaultValue, long min, long max) {
        JsonElement v = get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.isJsonArray()) {
            if (v.getAsJsonArray().size() != 2) {
                error(key, "expected an integer or a list of two integers, got " + describe(v));
                return defaultValue;
            }
            Long h = wholeNumberIn(key + "[0]", v.getAsJsonArray().get(0), min, max);
            Long w = wholeNumberIn(key + "[1]", v.getAsJsonArray().get(1), min, max);
            return h == null || w == null ? defaultValue : new long[] {h, w};
        }
        if (!isNumber(v)) {
            error(key, "expected an integer or a list of two integers, got " + describe(v));
            return defaultValue;
        }
        Long both = wholeNumberIn(key, v, min, max);
        return both == null ? defaultValue : new long[] {both, both};
    }

    private Long wholeNumberIn(String key, JsonElement v, long min, long max) {
        BigDecimal d = wholeNumber(v);
        if (d == null) {
            error(key, "expected an integer, got " + describe(v));
            return null;
        }
        if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            error(key, v.getAsString() + " is outside [" + min + ", " + (max == Long.MAX_VALUE ? "∞" : Long.toString(max)) + "]");
            return null;
        }
        return d.longValueExact();
    }

    /**
     * Reports every key of the entry that no getter asked for: {@code path: unknown key "x" for what;
     * accepted keys: a, b, c}. Call it after reading every field.
     */
    public void finish(String what) {
        for (String key : object.keySet()) {
            if (!accepted.contains(key)) {
                errors.add(path + ": unknown key \"" + key + "\" for " + what + "; accepted keys: " + String.join(", ", accepted));
            }
        }
    }

    /** The keys read so far, in the order they were first asked for. */
    public List<String> acceptedKeys() {
        return new ArrayList<>(accepted);
    }

    /** A short description of a JSON value for messages: {@code string "4"}, {@code number 3} ({@link StrictJson#describe}). */
    public static String describe(JsonElement value) {
        return StrictJson.describe(value);
    }

    /**
     * Calls {@code entry} with the name and value of every entry of the object of named entries
     * {@code config} found at {@code path}, in order; absent or {@code null} means none, anything else
     * but an object is one error: {@code <path>: expected an object of named <what>, got …}.
     *
     * @param what what the entries are, for the message ({@code recorders}, {@code entries})
     */
    public static void forEachNamed(String path, JsonElement config, String what, List<String> errors,
            BiConsumer<String, JsonElement> entry) {
        if (config == null || config.isJsonNull()) {
            return;
        }
        if (!config.isJsonObject()) {
            errors.add(path + ": expected an object of named " + what + ", got " + describe(config));
            return;
        }
        for (Map.Entry<String, JsonElement> e : config.getAsJsonObject().entrySet()) {
            entry.accept(e.getKey(), e.getValue());
        }
    }

    /**
     * The entries of the object of named entries {@code config} at {@code path}, in order, each built by
     * {@code entry} from its name and value; those it returns null for (having added their problems to
     * {@code errors}) are left out. Absent or {@code null} means none (see {@link #forEachNamed}).
     */
    public static <T> Map<String, T> namedEntries(String path, JsonElement config, String what, List<String> errors,
            BiFunction<String, JsonElement, T> entry) {
        Map<String, T> built = new LinkedHashMap<>();
        forEachNamed(path, config, what, errors, (name, value) -> {
            T t = entry.apply(name, value);
            if (t != null) {
                built.put(name, t);
            }
        });
        return built;
    }

    /**
     * Parses {@code json} strictly ({@link StrictJson}).
     *
     * @param subject what a {@link DistillConfigException} names ({@code invalid distiller config})
     * @param path    what the text is, for the message ({@code distiller})
     * @throws DistillConfigException {@code path: not valid JSON: …} when it is not strict JSON
     */
    public static JsonElement parse(String subject, String path, String json) {
        try {
            return StrictJson.parse(json);
        } catch (JsonParseException e) {
            throw new DistillConfigException(subject, List.of(path + ": not valid JSON: " + e.getMessage()));
        }
    }

    private static boolean isNumber(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    private static boolean isString(JsonElement v) {
        return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
    }

    /** The exact value of a whole JSON number ({@code 8}, {@code 8.0}, {@code 8e0}), or null for anything else. */
    private static BigDecimal wholeNumber(JsonElement v) {
        if (!isNumber(v)) {
            return null;
        }
        try {
            BigDecimal d = new BigDecimal(v.getAsString());
            return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0 ? d : null;
        } catch (NumberFormatException e) {
            return null; // NaN or an infinity given from Java: not a whole number
        }
    }
}
