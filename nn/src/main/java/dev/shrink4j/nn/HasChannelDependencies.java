package dev.shrink4j.nn;

import java.util.List;
import java.util.Set;

/**
 * A model that declares its channel dependencies instead of having them traced: each set names
 * {@code Conv2d} layers whose outputs are combined element-wise (added in a residual connection), so
 * they must keep and prune the same output channels. A ResNet declares, per stage, the stem (or the
 * previous stage's shortcut producer) together with the last convolution of every block and the
 * block's downsample convolution where it has one.
 *
 * <p>{@code dev.shrink4j.prune.graph.DependencyGraph.of(model, inputShape)} prefers this declaration over tracing.
 */
public interface HasChannelDependencies {

    /** The groups of layer names (dotted module names) whose output channels must be pruned together. */
    List<Set<String>> channelDependencies();
}
