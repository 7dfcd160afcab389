package dev.shrink4j.prune.graph;

import dev.shrink4j.nn.layers.Conv2d;
import java.util.Objects;

/**
 * A prunable layer of the dependency graph: a convolution whose output channels (filters) a filter
 * pruner may remove.
 *
 * @param name   dotted module name, e.g. {@code layer1.0.conv2}
 * @param module the convolution
 */
public record Node(String name, Conv2d module) {

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(module, "module");
    }

    /** The number of output channels. */
    public long outChannels() {
        return module.outChannels();
    }

    @Override
    public String toString() {
        return name + " (Conv2d, " + outChannels() + " out channels)";
    }
}
