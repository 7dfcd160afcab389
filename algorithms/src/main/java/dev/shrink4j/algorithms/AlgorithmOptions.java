package dev.shrink4j.algorithms;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.util.Set;

/**
 * The algorithm options of a config file (every top-level key except the algorithm name and
 * {@code config_list}), already checked against the algorithm's declared options by
 * {@link CompressionConfig#parse}. Readers take the default used when the option is absent.
 */
public final class AlgorithmOptions {

    private final JsonObject values;

    /** Options from a JSON object (copied). */
    public AlgorithmOptions(JsonObject values) {
        this.values = values.deepCopy();
    }

    /** No options. */
    public static AlgorithmOptions empty() {
        return new AlgorithmOptions(new JsonObject());
    }

    /** The option names present. */
    public Set<String> names() {
        return values.keySet();
    }

    /** Whether {@code name} is given. */
    public boolean has(String name) {
        return values.has(name);
    }

    /** A number option, or {@code fallback} when absent. */
    public double getDouble(String name, double fallback) {
        JsonElement v = values.get(name);
        return v == null ? fallback : v.getAsDouble();
    }

    /**
     * An integer option, or {@code fallback} when absent.
     *
     * @throws ArithmeticException when the value is not a whole number within int range, which
     *                             {@link OptionType#INTEGER} has already refused
     */
    public int getInt(String name, int fallback) {
        JsonElement v = values.get(name);
        return v == null ? fallback : new BigDecimal(v.getAsString()).intValueExact();
    }

    /** A boolean option, or {@code fallback} when absent. */
    public boolean getBoolean(String name, boolean fallback) {
        JsonElement v = values.get(name);
        return v == null ? fallback : v.getAsBoolean();
    }

    /** A string option, or {@code fallback} when absent. */
    public String getString(String name, String fallback) {
        JsonElement v = values.get(name);
        return v == null ? fallback : v.getAsString();
    }

    /** The options as JSON (a copy), for reports. */
    public JsonObject toJson() {
        return values.deepCopy();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
