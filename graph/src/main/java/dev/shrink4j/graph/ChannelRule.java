package dev.shrink4j.graph;

/**
 * How a leaf module type that {@link DependencyGroups} does not know moves channels, registered with
 * {@link DependencyGroups#of(ModelGraph, java.util.Map)} (Torch-Pruning's {@code register_customized_layer},
 * reduced to the two cases a parameter-free layer can be in). Without a rule such a module pins every channel
 * it touches: nothing is pruned through a layer whose channel semantics are unknown.
 */
public enum ChannelRule {

    /**
     * Channel {@code c} of every input is channel {@code c} of the output (activations, element-wise
     * arithmetic, spatial pooling): all inputs and the output must have the same number of channels.
     */
    ELEMENTWISE,

    /** No channel of its inputs or output may be removed. */
    PINNED
}
