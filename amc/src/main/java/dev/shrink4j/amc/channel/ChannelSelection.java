package dev.shrink4j.amc.channel;

import java.util.Locale;

/** How {@link ChannelPruning} chooses the input channels a layer keeps. */
public enum ChannelSelection {

    /** He et al. 2017: LASSO on the per-channel contributions to the original response, with an α search. */
    LASSO,

    /** AMC / Distiller: the channels whose weight columns have the largest L1 norm (no data needed to choose). */
    L1;

    /** The config-file name ({@code "lasso"}, {@code "l1"}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The selection a config file names.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static ChannelSelection of(String key) {
        for (ChannelSelection s : values()) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        throw new IllegalArgumentException("selection \"" + key + "\" is not one of lasso, l1");
    }
}
