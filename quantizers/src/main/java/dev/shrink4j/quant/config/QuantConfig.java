package dev.shrink4j.quant.config;

import com.google.gson.JsonElement;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.LayerConfig;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The quantization settings of one config-list entry as types. The entry has already been checked
 * against {@link dev.shrink4j.compress.config.ConfigSchema#QUANTIZATION}, so every value here is
 * one the schema accepts.
 */
public final class QuantConfig {

    private QuantConfig() {
    }

    /** {@code quant_types}; empty when absent. */
    public static Set<QuantType> types(LayerConfig config) {
        Set<QuantType> out = EnumSet.noneOf(QuantType.class);
        for (String t : config.getStrings(ConfigKeys.QUANT_TYPES)) {
            out.add(QuantType.fromKey(t));
        }
        return Collections.unmodifiableSet(out);
    }

    /** The bit width for {@code type}: the per-type value of {@code quant_bits}, or its single value. */
    public static int bits(LayerConfig config, QuantType type) {
        JsonElement bits = config.raw().get(ConfigKeys.QUANT_BITS);
        if (bits == null) {
            throw new IllegalStateException("config_list[" + config.index() + "] has no quant_bits");
        }
        if (bits.isJsonObject()) {
            JsonElement b = bits.getAsJsonObject().get(type.key());
            if (b == null) {
                throw new IllegalStateException("config_list[" + config.index() + "].quant_bits has no \"" + type.key() + "\"");
            }
            return b.getAsInt();
        }
        return bits.getAsInt();
    }

    /** {@code quant_scheme}, default {@code per_tensor_affine}. */
    public static QuantScheme scheme(LayerConfig config) {
        return QuantScheme.fromKey(config.getString(ConfigKeys.QUANT_SCHEME, "per_tensor_affine"));
    }

    /** {@code quant_dtype}, default {@code uint}. */
    public static QuantDtype dtype(LayerConfig config) {
        return QuantDtype.fromKey(config.getString(ConfigKeys.QUANT_DTYPE, "uint"));
    }
}
