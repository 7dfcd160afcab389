package dev.shrink4j.nn;

/**
 * A parameter-free layer that maps channel {@code c} of every input to channel {@code c} of its output (an
 * activation such as {@code HardSwish}, a broadcasting product with a per-channel gate), and says so, for layer
 * types that the channel dependency analysis ({@code dev.shrink4j.graph.DependencyGroups}) does not list: it then
 * treats the layer as it treats {@code ReLU} instead of pinning every channel through it. A layer whose instances
 * differ (a sum with a fixed tensor is channel-wise only when the tensor holds one value for all channels, since
 * removing channels cannot slice a per-channel constant) answers per instance.
 */
public interface ChannelwiseLayer {

    /**
     * Whether channel {@code c} of each input is channel {@code c} of the output and nothing in the layer depends on
     * the number of channels, so channels may be removed through it.
     */
    boolean preservesChannels();
}
