package dev.shrink4j.amc.channel;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * How many input channels a layer keeps at a preserve ratio: AMC's {@code d' = round_half_even(c·ratio)}, at
 * least 1, rounded up to a multiple of {@code channel_round} (8 for deployment), never above {@code c}. The
 * reference rounds {@code c} down to the multiple when the round-up exceeds it, which gives 0 when
 * {@code c < channel_round}; here the count is then {@code c} itself (nothing is pruned), never 0.
 */
public final class KeptChannels {

    private KeptChannels() {
    }

    /**
     * The channels to keep.
     *
     * @param channels     the layer's prunable input channels {@code c}, at least 1
     * @param ratio        the share to keep, in {@code (0, 1]}
     * @param channelRound the multiple the count is rounded up to, at least 1
     * @throws IllegalArgumentException naming the argument that is out of range
     */
    public static int count(int channels, double ratio, int channelRound) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be at least 1, got " + channels);
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("ratio " + ratio + " is outside (0, 1]");
        }
        if (channelRound < 1) {
            throw new IllegalArgumentException("channel_round must be at least 1, got " + channelRound);
        }
        // exact decimal product, so 2.5 rounds to 2 and 3.5 to 4 as numpy's round does (no binary drift)
        int kept = new BigDecimal(channels).multiply(new BigDecimal(Double.toString(ratio)))
                .setScale(0, RoundingMode.HALF_EVEN).intValueExact();
        kept = Math.max(kept, 1);
        kept = (kept + channelRound - 1) / channelRound * channelRound;
        return Math.min(kept, channels);
    }
}
