package dev.shrink4j.prune.graph;

import java.util.Objects;

/**
 * An edge of the dependency graph: the output channels of two convolutions are coupled index for index,
 * because their outputs are combined element-wise (an add or multiply, e.g. a residual connection) before
 * {@code site}; pruning output channel {@code c} of either therefore requires pruning output channel
 * {@code c} of the other. The coupling is symmetric; each pair is stored once, {@code first} being the
 * node met first (in model order when traced, the first of a declared set).
 *
 * @param first  one of the coupled convolutions
 * @param second the other, with the same number of output channels
 * @param site   where the two outputs meet: the consuming layer's name,
 *               {@link ChannelDependencyTracer#OUTPUT} for the model's output, or {@code declared} when the
 *               model declared the coupling ({@link dev.shrink4j.nn.HasChannelDependencies})
 */
public record ChannelCoupling(Node first, Node second, String site) {

    public ChannelCoupling {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        Objects.requireNonNull(site, "site");
    }

    @Override
    public String toString() {
        return first.name() + " ⇒ " + second.name() + " (via " + site + ")";
    }
}
