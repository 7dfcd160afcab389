package dev.shrink4j.quant.config;

import java.util.Locale;

/**
 * The integer range quantized values live in ({@code quant_dtype}): {@code uint} is
 * {@code [0, 2^b − 1]}, {@code int} is {@code [−2^(b−1) + 1, 2^(b−1) − 1]} (NNI's symmetric signed range).
 */
public enum QuantDtype {
    UINT, INT;

    /** The config-list spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The smallest quantized value for {@code bits}. */
    public long qmin(int bits) {
        return this == UINT ? 0 : -(1L << (bits - 1)) + 1;
    }

    /** The largest quantized value for {@code bits}. */
    public long qmax(int bits) {
        return this == UINT ? (1L << bits) - 1 : (1L << (bits - 1)) - 1;
    }

    static QuantDtype fromKey(String key) {
        for (QuantDtype d : values()) {
            if (d.key().equals(key)) {
                return d;
            }
        }
        return null;
    }
}
