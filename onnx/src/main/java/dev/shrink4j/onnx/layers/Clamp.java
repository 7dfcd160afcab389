package dev.shrink4j.onnx.layers;

import java.util.OptionalDouble;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code clamp(x, min, max)} ({@code torch.clamp}, ONNX {@code Clip}) with either bound optional. The importer
 * maps {@code Clip(0, 6)} to {@link dev.shrink4j.nn.layers.ReLU6} and {@code Clip(0, ∞)} to
 * {@link dev.shrink4j.nn.layers.ReLU}; this layer takes every other pair of bounds.
 */
public class Clamp extends ChannelwiseActivation {

    private final OptionalDouble min;
    private final OptionalDouble max;

    /**
     * @param min the lower bound, or empty for none
     * @param max the upper bound, or empty for none
     * @throws IllegalArgumentException when both are empty, or min &gt; max
     */
    public Clamp(OptionalDouble min, OptionalDouble max) {
        if (min.isEmpty() && max.isEmpty()) {
            throw new IllegalArgumentException("Clamp needs a lower or an upper bound");
        }
        if (min.isPresent() && max.isPresent() && min.getAsDouble() > max.getAsDouble()) {
            throw new IllegalArgumentException("Clamp: min " + min.getAsDouble() + " > max " + max.getAsDouble());
        }
        this.min = min;
        this.max = max;
    }

    @Override
    protected Tensor forward(Tensor input) {
        ScalarOptional lo = min.isPresent() ? new ScalarOptional(new Scalar(min.getAsDouble())) : new ScalarOptional();
        ScalarOptional hi = max.isPresent() ? new ScalarOptional(new Scalar(max.getAsDouble())) : new ScalarOptional();
        return torch.clamp(input, lo, hi);
    }

    /** The lower bound, if any. */
    public OptionalDouble min() {
        return min;
    }

    /** The upper bound, if any. */
    public OptionalDouble max() {
        return max;
    }

    @Override
    public String toString() {
        return "Clamp(min=" + (min.isPresent() ? min.getAsDouble() : "None") + ", max="
                + (max.isPresent() ? max.getAsDouble() : "None") + ")";
    }
}
