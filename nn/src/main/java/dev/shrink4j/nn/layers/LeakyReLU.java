package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code max(x, 0) + negative_slope · min(x, 0)} ({@code nn.LeakyReLU}, slope 0.01 by default). */
public class LeakyReLU extends Module {

    private final double negativeSlope;

    /** Slope 0.01, PyTorch's default. */
    public LeakyReLU() {
        this(0.01);
    }

    /**
     * @throws IllegalArgumentException when {@code negativeSlope} is not finite
     */
    public LeakyReLU(double negativeSlope) {
        if (!Double.isFinite(negativeSlope)) {
            throw new IllegalArgumentException("LeakyReLU: negative_slope must be finite, got " + negativeSlope);
        }
        this.negativeSlope = negativeSlope;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return torch.leaky_relu(input, new Scalar(negativeSlope));
    }

    /** The slope for negative inputs. */
    public double negativeSlope() {
        return negativeSlope;
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + negativeSlope;
    }
}
