package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;

/**
 * The base of the importer's element-wise activations ({@link Sigmoid}, {@link HardSwish}, {@link HardSigmoid},
 * {@link Clamp}): parameter-free, one output value per input value, so channels can be pruned through them.
 */
public abstract class ChannelwiseActivation extends Module implements ChannelwiseLayer {

    /** Always: an element-wise function. */
    @Override
    public final boolean preservesChannels() {
        return true;
    }

    /** The type and its arguments, PyTorch's {@code repr} ({@code HardSwish()}); layers with arguments override it. */
    @Override
    public String toString() {
        return typeName() + "()";
    }
}
