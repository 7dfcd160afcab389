package dev.shrink4j.quant.config;

import java.util.Locale;

/** What a quantizer quantizes: a layer's weight, its input, or its output ({@code quant_types}). */
public enum QuantType {
    WEIGHT, INPUT, OUTPUT;

    /** The config-list spelling: {@code weight}, {@code input}, {@code output}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the config-list spelling; null when it is not one of the three. */
    static QuantType fromKey(String key) {
        for (QuantType t : values()) {
            if (t.key().equals(key)) {
                return t;
            }
        }
        return null;
    }
}
