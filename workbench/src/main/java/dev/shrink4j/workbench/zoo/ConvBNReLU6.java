package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.ReLU6;
import dev.shrink4j.nn.layers.Sequential;

/**
 * {@code Sequential(conv, BatchNorm2d, ReLU6)}: torchvision's {@code Conv2dNormActivation} as
 * MobileNetV2 uses it, so its children are named {@code 0}, {@code 1}, {@code 2} and the state-dict keys
 * read {@code features.0.0.weight}, {@code features.0.1.running_mean}.
 */
public class ConvBNReLU6 extends Sequential {

    public final Conv2d conv;
    public final BatchNorm2d bn;
    public final ReLU6 relu6;

    /** Wraps a (bias-free) convolution with batch norm over its outputs and ReLU6. */
    public ConvBNReLU6(Conv2d conv) {
        this(conv, new BatchNorm2d(conv.outChannels()), new ReLU6());
    }

    private ConvBNReLU6(Conv2d conv, BatchNorm2d bn, ReLU6 relu6) {
        super(conv, bn, relu6);
        this.conv = conv;
        this.bn = bn;
        this.relu6 = relu6;
    }

    /** A bias-free k×k convolution with padding {@code (k-1)/2}, as torchvision builds it. */
    static ConvBNReLU6 of(long in, long out, long kernel, long stride, long groups) {
        return new ConvBNReLU6(Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(kernel)
                .optStride(stride).optPadding((kernel - 1) / 2).optGroups(groups).optBias(false).build());
    }
}
