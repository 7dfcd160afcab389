package dev.shrink4j.compress.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * One validated config-list entry with typed accessors. Algorithm-specific keys are read with
 * {@link #getDouble}, {@link #getInt}, {@link #getBoolean}, {@link #getString}, {@link #getStrings};
 * the quantization settings as types with {@code dev.shrink4j.quant.config.QuantConfig}.
 */
public final class LayerConfig {

    private final int index;
    private final JsonObject raw;

    LayerConfig(int index, JsonObject raw) {
        this.index = index;
        this.raw = raw.deepCopy();
    }

    /** The entry's position in the config list. */
    public int index() {
        return index;
    }

    /** A copy of the entry as JSON. */
    public JsonObject raw() {
        return raw.deepCopy();
    }

    /** {@code op_types} with {@code "default"} expanded to the weighted layer types; empty when absent. */
    public List<String> opTypes() {
        List<String> out = new ArrayList<>();
        for (String t : getStrings(ConfigKeys.OP_TYPES)) {
            if (ConfigKeys.DEFAULT_OP_TYPE.equals(t)) {
                out.addAll(ConfigList.DEFAULT_OP_TYPES);
            } else {
                out.add(t);
            }
        }
        return out;
    }

    /** {@code op_names}; empty when absent. */
    public List<String> opNames() {
        return getStrings(ConfigKeys.OP_NAMES);
    }

    /** Whether {@code op_types} was given. */
    public boolean hasOpTypes() {
        return raw.has(ConfigKeys.OP_TYPES);
    }

    /** Whether {@code op_names} was given. */
    public boolean hasOpNames() {
        return raw.has(ConfigKeys.OP_NAMES);
    }

    /** {@code exclude: true}; {@code exclude: false} does not exclude (unlike NNI, which tests for the key). */
    public boolean exclude() {
        return getBoolean(ConfigKeys.EXCLUDE, false);
    }

    /** Whether a layer with this name and type is selected by this entry (ignoring {@code exclude}). */
    public boolean matches(String name, String type) {
        if (hasOpTypes() && !opTypes().contains(type)) {
            return false;
        }
        return !hasOpNames() || opNames().contains(name);
    }

    /** {@code sparsity} (or its alias {@code sparsity_per_layer}). */
    public double sparsity() {
        if (raw.has(ConfigKeys.SPARSITY)) {
            return raw.get(ConfigKeys.SPARSITY).getAsDouble();
        }
        if (raw.has(ConfigKeys.SPARSITY_PER_LAYER)) {
            return raw.get(ConfigKeys.SPARSITY_PER_LAYER).getAsDouble();
        }
        throw new IllegalStateException("config_list[" + index + "] has no sparsity");
    }

    /** {@code quant_start_step}, default 0. */
    public int quantStartStep() {
        return getInt(ConfigKeys.QUANT_START_STEP, 0);
    }

    /** Whether the entry has {@code key}. */
    public boolean has(String key) {
        return raw.has(key);
    }

    /** A number-valued key, or {@code fallback}. */
    public double getDouble(String key, double fallback) {
        return raw.has(key) ? raw.get(key).getAsDouble() : fallback;
    }

    /** An integer-valued key, or {@code fallback}. */
    public int getInt(String key, int fallback) {
        return raw.has(key) ? raw.get(key).getAsInt() : fallback;
    }

    /** A boolean-valued key, or {@code fallback}. */
    public boolean getBoolean(String key, boolean fallback) {
        return raw.has(key) ? raw.get(key).getAsBoolean() : fallback;
    }

    /** A string-valued key, or {@code fallback}. */
    public String getString(String key, String fallback) {
        return raw.has(key) ? raw.get(key).getAsString() : fallback;
    }

    /** A key holding a list of strings; empty when absent. */
    public List<String> getStrings(String key) {
        List<String> out = new ArrayList<>();
        if (raw.has(key)) {
            raw.getAsJsonArray(key).forEach(e -> out.add(e.getAsString()));
        }
        return out;
    }

    @Override
    public String toString() {
        return "config_list[" + index + "] " + raw;
    }
}
