package dev.shrink4j.graph.speedup;

import java.util.List;

/**
 * A layer {@link ModelSpeedup} made smaller: its weight's shape before and after ({@code [out, in/groups, kH, kW]}
 * for a convolution, {@code [out, in]} for a linear layer, {@code [channels]} for a batch norm), or for a
 * {@code ChannelPad} its {@code [in, out]} channel counts.
 *
 * @param layer  the dotted module name
 * @param type   the layer type ({@code Conv2d})
 * @param before the shape before
 * @param after  the shape after
 */
public record ResizedLayer(String layer, String type, List<Long> before, List<Long> after) {

    /** Copies the shapes. */
    public ResizedLayer {
        before = List.copyOf(before);
        after = List.copyOf(after);
    }

    @Override
    public String toString() {
        return layer + " (" + type + ") " + before + " -> " + after;
    }
}
