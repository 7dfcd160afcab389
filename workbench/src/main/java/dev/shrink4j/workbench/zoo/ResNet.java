package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The CIFAR ResNet of He et al. 2016 (section 4.2), as in akamaster/pytorch_resnet_cifar10:
 * {@code conv1} 3×3 in→16 (no bias), {@code bn1}, ReLU, then three stages {@code layer1..3} of
 * {@code n = (depth - 2) / 6} {@link BasicBlock}s with 16, 32 and 64 channels (the first block of
 * stages 2 and 3 has stride 2), global average pooling and {@code linear} 64→classes. Depth 20, 32,
 * 56 give n = 3, 5, 9. For 10 classes and option A: 269,722 / 464,154 / 853,018 parameters; option B
 * adds two 1×1 projections with batch norm (2,752 more).
 *
 * <p>State-dict keys equal akamaster's: {@code conv1.weight}, {@code bn1.*}, {@code layer1.0.conv1.weight},
 * {@code layer1.0.bn1.*}, {@code layer1.0.conv2.weight}, {@code layer1.0.bn2.*}, {@code layer2.0.shortcut.0.weight}
 * and {@code layer2.0.shortcut.1.*} (option B only), {@code linear.weight}, {@code linear.bias}.
 * Initialisation as akamaster's {@code _weights_init}: {@code kaiming_normal_} (fan in, gain √2) on
 * conv and linear weights, PyTorch's defaults elsewhere.
 *
 * <p>PyTorch equivalent: {@code resnet20()} in akamaster's {@code resnet.py} ({@code option='A'} default),
 * with {@code in_channels} configurable here. Works for any input size of at least 4×4 (the head pools
 * globally); the paper's input is 32×32.
 */
public class ResNet extends Module {

    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu;
    public final Sequential layer1;
    public final Sequential layer2;
    public final Sequential layer3;
    public final AdaptiveAvgPool2d avgpool;
    public final Flatten flatten;
    public final Linear linear;
    private final int depth;
    private final ShortcutOption option;

    /** A CIFAR ResNet of {@code depth = 6n + 2} layers. */
    public ResNet(int depth, ShortcutOption option, int inChannels, int numClasses) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("ResNet depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110), got " + depth);
        }
        if (inChannels <= 0 || numClasses <= 0) {
            throw new IllegalArgumentException("ResNet needs positive inChannels and numClasses, got " + inChannels + " and "
                    + numClasses);
        }
        this.depth = depth;
        this.option = java.util.Objects.requireNonNull(option, "option");
        int n = (depth - 2) / 6;
        conv1 = registerModule("conv1", conv(inChannels, 16, 3, 1));
        bn1 = registerModule("bn1", new BatchNorm2d(16));
        relu = registerModule("relu", new ReLU());
        layer1 = registerModule("layer1", stage(16, 16, n, 1, option));
        layer2 = registerModule("layer2", stage(16, 32, n, 2, option));
        layer3 = registerModule("layer3", stage(32, 64, n, 2, option));
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        flatten = registerModule("flatten", new Flatten());
        linear = registerModule("linear", new Linear(64, numClasses));
        // Re-initialised in place: the parameters keep their identity; temporaries die with the scope.
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Module m : namedModules().values()) {
                if (m instanceof Conv2d || m instanceof Linear) {
                    Tensor w = m.getParameter("weight");
                    w.normal_(0.0, Math.sqrt(2.0 / Initializers.fanIn(w.shape())), new GeneratorOptional());
                }
            }
        }
    }

    /** ResNet-20, option A, 3 input channels, 10 classes. */
    public static ResNet resnet20() {
        return new ResNet(20, ShortcutOption.A, 3, 10);
    }

    /** ResNet-20, option A. */
    public static ResNet resnet20(int inChannels, int numClasses) {
        return new ResNet(20, ShortcutOption.A, inChannels, numClasses);
    }

    /** ResNet-32, option A, 3 input channels, 10 classes. */
    public static ResNet resnet32() {
        return new ResNet(32, ShortcutOption.A, 3, 10);
    }

    /** ResNet-32, option A. */
    public static ResNet resnet32(int inChannels, int numClasses) {
        return new ResNet(32, ShortcutOption.A, inChannels, numClasses);
    }

    /** ResNet-56, option A, 3 input channels, 10 classes. */
    public static ResNet resnet56() {
        return new ResNet(56, ShortcutOption.A, 3, 10);
    }

    /** ResNet-56, option A. */
    public static ResNet resnet56(int inChannels, int numClasses) {
        return new ResNet(56, ShortcutOption.A, inChannels, numClasses);
    }

    private static Sequential stage(long inPlanes, long planes, int blocks, long stride, ShortcutOption option) {
        Sequential s = new Sequential();
        for (int i = 0; i < blocks; i++) {
            s.add(new BasicBlock(i == 0 ? inPlanes : planes, planes, i == 0 ? stride : 1, option));
        }
        return s;
    }

    /** A bias-free square convolution with "same" padding for odd kernels. */
    static Conv2d conv(long in, long out, long kernel, long stride) {
        return Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(kernel).optStride(stride)
                .optPadding(kernel / 2).optBias(false).build();
    }

    @Override
    protected Tensor forward(Tensor x) {
        Tensor out = relu.call(bn1.call(conv1.call(x)));
        out = layer3.call(layer2.call(layer1.call(out)));
        return linear.call(flatten.call(avgpool.call(out)));
    }

    /** The number of layers with weights, 6n + 2. */
    public int depth() {
        return depth;
    }

    /** The shortcut option of the stage-transition blocks. */
    public ShortcutOption shortcutOption() {
        return option;
    }

    @Override
    public String toString() {
        return "ResNet" + depth + "(option " + option + ")";
    }
}
