package dev.shrink4j.distill.connectors;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.ConvTranspose2d;
import dev.shrink4j.nn.layers.LeakyReLU;
import dev.shrink4j.nn.layers.Sequential;
import java.util.function.BiFunction;

/**
 * The stacks of factor transfer's connectors (Kim et al. 2018, as MMRazor builds them): three 3×3
 * convolutions (stride 1, padding 1), each followed by a batch norm (or, without one, an empty
 * placeholder, so the state-dict indices match MMRazor's {@code nn.Sequential()}) and a LeakyReLU of
 * slope 0.1.
 */
final class FactorTransferLayers {

    /** The LeakyReLU slope of the stacks. */
    static final double SLOPE = 0.1;

    private FactorTransferLayers() {
    }

    /** conv in→in, conv in→out, conv out→out. */
    static Sequential encoder(long in, long out, boolean useBn) {
        return stack(FactorTransferLayers::conv, useBn, in, in, out, out);
    }

    /** transposed conv out→out, out→in, in→in: back from the factor to the feature. */
    static Sequential decoder(long in, long out, boolean useBn) {
        return stack(FactorTransferLayers::transposed, useBn, out, out, in, in);
    }

    /**
     * One block (layer, batch norm or placeholder, LeakyReLU) per step of the channel chain {@code channels}:
     * block {@code i} maps {@code channels[i]} to {@code channels[i + 1]}, its layers created in that order.
     */
    private static Sequential stack(BiFunction<Long, Long, Module> layer, boolean useBn, long... channels) {
        Sequential s = new Sequential();
        for (int i = 0; i + 1 < channels.length; i++) {
            long out = channels[i + 1];
            s.add(layer.apply(channels[i], out));
            s.add(useBn ? new BatchNorm2d(out) : new Sequential());
            s.add(new LeakyReLU(SLOPE));
        }
        return s;
    }

    private static Conv2d conv(long in, long out) {
        return Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(3).optPadding(1).build();
    }

    private static ConvTranspose2d transposed(long in, long out) {
        return ConvTranspose2d.builder(in, out, 3).optPadding(1).build();
    }
}
