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
 * <p>The filter pruners' dependency-aware mode ({@code dev.shrink4j.prune.FilterPruner}) takes this declaration
 * instead of tracing the model ({@code dev.shrink4j.graph.ModelGraph}), so a model that declares needs no dummy
 * input, and a model whose forward the tracer cannot follow (an operation outside any module) can still be
 * pruned by groups. The names must be {@code Conv2d} layers of equal width; sets sharing a layer are merged.
 */
public interface HasChannelDependencies {

    /** The groups of layer names (dotted module names) whose output channels must be pruned together. */
    List<Set<String>> channelDependencies();
}
