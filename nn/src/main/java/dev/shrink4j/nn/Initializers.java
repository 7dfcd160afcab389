package dev.shrink4j.nn;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch's default initialisations, drawn from libtorch's global generator (seed it with
 * {@code torch.manual_seed}). Conv and linear layers use {@code kaiming_uniform_(a=sqrt(5))} on the
 * weight and {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))} on the bias, which are the same bound.
 */
public final class Initializers {

    private Initializers() {
    }

    /** A new tensor of {@code shape} drawn from {@code U(-bound, bound)}. */
    public static Tensor uniform(double bound, long... shape) {
        return torch.empty(shape).uniform_(-bound, bound, new GeneratorOptional());
    }

    /**
     * A new weight as {@code nn.Conv2d}/{@code nn.Linear} initialise it:
     * {@code kaiming_uniform_(a=sqrt(5))}, i.e. {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))} with
     * {@code fan_in = shape[1] * prod(shape[2:])}.
     */
    public static Tensor kaimingUniformDefault(long... shape) {
        return uniform(1.0 / Math.sqrt(fanIn(shape)), shape);
    }

    /** A new tensor of {@code shape} from {@code N(0, std²)}. */
    public static Tensor normal(double std, long... shape) {
        return torch.empty(shape).normal_(0.0, std, new GeneratorOptional());
    }

    /**
     * A new weight as {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")} (torchvision's
     * MobileNetV2 and ResNet convs): {@code N(0, 2/fan_out)}.
     */
    public static Tensor kaimingNormalFanOut(long... shape) {
        long fanOut = shape[0];
        for (int i = 2; i < shape.length; i++) {
            fanOut *= shape[i];
        }
        return normal(Math.sqrt(2.0 / fanOut), shape);
    }

    /** {@code shape[1] * prod(shape[2:])}: inputs feeding one output unit. */
    public static long fanIn(long... shape) {
        long fan = shape.length > 1 ? shape[1] : shape[0];
        for (int i = 2; i < shape.length; i++) {
            fan *= shape[i];
        }
        return fan;
    }
}
