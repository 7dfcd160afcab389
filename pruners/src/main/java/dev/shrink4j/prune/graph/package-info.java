/**
 * Channel dependencies for dependency-aware filter pruning: a {@link dev.shrink4j.prune.graph.Node} is a
 * convolution, a {@link dev.shrink4j.prune.graph.ChannelCoupling} says that two nodes' output channels are
 * coupled index for index, so pruning channels of one requires pruning the same channels of the other (their
 * outputs meet in an element-wise add or multiply, e.g. a residual connection), and a
 * {@link dev.shrink4j.prune.graph.Group} is a set of nodes that must be pruned on the same channels.
 *
 * <p>Our module tree has no traced graph, so {@link dev.shrink4j.prune.graph.DependencyGraph} gets the
 * dependencies either from the model's own declaration ({@link dev.shrink4j.nn.HasChannelDependencies})
 * or empirically from {@link dev.shrink4j.prune.graph.ChannelDependencyTracer}, which marks one output
 * channel of a convolution with NaN and watches where it arrives.
 */
package dev.shrink4j.prune.graph;
