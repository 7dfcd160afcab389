package dev.shrink4j.quant.config;

import java.util.Locale;

/**
 * How scale and zero point are chosen ({@code quant_scheme}): over the whole tensor or per channel,
 * affine (zero point from the range) or symmetric (zero point fixed).
 */
public enum QuantScheme {
    PER_TENSOR_AFFINE, PER_TENSOR_SYMMETRIC, PER_CHANNEL_AFFINE, PER_CHANNEL_SYMMETRIC;

    /** The config-list spelling, e.g. {@code per_tensor_affine}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether scale and zero point are computed per channel. */
    public boolean perChannel() {
        return this == PER_CHANNEL_AFFINE || this == PER_CHANNEL_SYMMETRIC;
    }

    /** Whether the range is symmetric around zero. */
    public boolean symmetric() {
        return this == PER_TENSOR_SYMMETRIC || this == PER_CHANNEL_SYMMETRIC;
    }

    static QuantScheme fromKey(String key) {
        for (QuantScheme s : values()) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        return null;
    }
}
