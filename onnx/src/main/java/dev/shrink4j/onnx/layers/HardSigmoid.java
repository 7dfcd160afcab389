package dev.shrink4j.onnx.layers;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code max(0, min(1, alpha·x + beta))} (ONNX {@code HardSigmoid}; PyTorch's {@code nn.Hardsigmoid} is
 * {@code alpha = 1/6}, {@code beta = 0.5}, ONNX's defaults are 0.2 and 0.5).
 */
public class HardSigmoid extends ChannelwiseActivation {

    private final double alpha;
    private final double beta;

    /** The slope {@code alpha} and offset {@code beta}. */
    public HardSigmoid(double alpha, double beta) {
        if (!Double.isFinite(alpha) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("HardSigmoid: alpha and beta must be finite, got " + alpha + " and " + beta);
        }
        this.alpha = alpha;
        this.beta = beta;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return torch.clamp(input.mul(new Scalar(alpha)).add(new Scalar(beta)), new org.bytedeco.pytorch.ScalarOptional(
                new Scalar(0.0)), new org.bytedeco.pytorch.ScalarOptional(new Scalar(1.0)));
    }

    /** The slope. */
    public double alpha() {
        return alpha;
    }

    /** The offset. */
    public double beta() {
        return beta;
    }

    @Override
    public String toString() {
        return "HardSigmoid(alpha=" + alpha + ", beta=" + beta + ")";
    }
}
