package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileNetV2 (Sandler et al. 2018) exactly as torchvision's {@code mobilenet_v2}: same layers, same
 * state-dict keys and shapes, same initialisation, so torchvision weights load into it.
 *
 * <p>{@code features.0} is a stride-2 3×3 {@link ConvBNReLU6} to {@code _make_divisible(32 × width, 8)}
 * channels; {@code features.1 … features.17} are {@link InvertedResidual}s following the settings
 * (t, c, n, s) = (1,16,1,1), (6,24,2,2), (6,32,3,2), (6,64,4,2), (6,96,3,1), (6,160,3,2), (6,320,1,1)
 * with {@code c} scaled by {@link #makeDivisible}; {@code features.18} is a 1×1 {@link ConvBNReLU6} to
 * {@code _make_divisible(1280 × max(1, width), 8)} channels; then global average pooling and
 * {@code classifier = Sequential(Dropout(0.2), Linear(last, classes))}. With 1000 classes and width 1.0
 * it has 3,504,872 parameters and 314 state-dict entries (with {@code num_batches_tracked}).
 * Initialisation: convolutions {@code kaiming_normal_(mode="fan_out")}, batch norm ones/zeros, linear
 * {@code N(0, 0.01)} with zero bias.
 *
 * <p>Only the number of input channels changes the first convolution; the network is otherwise
 * input-size agnostic (five stride-2 stages, then global pooling), so 32×32 CIFAR images work as well as
 * 224×224 ImageNet crops.
 */
public class MobileNetV2 extends Module {

    /** The inverted residual settings {t, c, n, s} of the paper and torchvision. */
    private static final int[][] SETTINGS = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

    public final Sequential features;
    public final AdaptiveAvgPool2d avgpool;
    public final Flatten flatten;
    public final Sequential classifier;
    private final double widthMult;
    private final long lastChannel;

    /** The ImageNet configuration: 3 input channels, 1000 classes, width 1.0. */
    public MobileNetV2() {
        this(builder());
    }

    /** See {@link #builder()}. */
    protected MobileNetV2(Builder b) {
        if (b.numClasses <= 0 || b.inChannels <= 0 || !(b.widthMult > 0)) {
            throw new IllegalArgumentException("MobileNetV2 needs positive numClasses, inChannels and widthMult; got "
                    + b.numClasses + ", " + b.inChannels + ", " + b.widthMult);
        }
        this.widthMult = b.widthMult;
        long inputChannel = makeDivisible(32 * b.widthMult, b.roundNearest);
        lastChannel = makeDivisible(1280 * Math.max(1.0, b.widthMult), b.roundNearest);
        Sequential f = new Sequential(ConvBNReLU6.of(b.inChannels, inputChannel, 3, 2, 1));
        for (int[] s : SETTINGS) {
            long outputChannel = makeDivisible(s[1] * b.widthMult, b.roundNearest);
            for (int i = 0; i < s[2]; i++) {
                f.add(new InvertedResidual(inputChannel, outputChannel, i == 0 ? s[3] : 1, s[0]));
                inputChannel = outputChannel;
            }
        }
        f.add(ConvBNReLU6.of(inputChannel, lastChannel, 1, 1, 1));
        features = registerModule("features", f);
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        flatten = registerModule("flatten", new Flatten());
        classifier = registerModule("classifier", new Sequential(new Dropout(b.dropout), new Linear(lastChannel, b.numClasses)));
        initialise();
    }

    private void initialise() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Module m : namedModules().values()) {
                if (m instanceof Conv2d) {
                    Tensor w = m.getParameter("weight");
                    long[] shape = w.shape();
                    long fanOut = shape[0] * shape[2] * shape[3];
                    w.normal_(0.0, Math.sqrt(2.0 / fanOut), new GeneratorOptional());
                } else if (m instanceof Linear) {
                    m.getParameter("weight").normal_(0.0, 0.01, new GeneratorOptional());
                    m.getParameter("bias").zero_();
                }
            }
        }
    }

    /**
     * torchvision's {@code _make_divisible(v, divisor)}: rounds {@code v} to the nearest multiple of
     * {@code divisor}, at least {@code divisor}, and never more than 10% below {@code v}.
     */
    public static long makeDivisible(double v, long divisor) {
        long rounded = Math.max(divisor, (long) (v + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * v ? rounded + divisor : rounded;
    }

    /** A builder: all settings are optional ({@code opt…}). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected Tensor forward(Tensor x) {
        return classifier.call(flatten.call(avgpool.call(features.call(x))));
    }

    /** The width multiplier. */
    public double widthMult() {
        return widthMult;
    }

    /** The channels entering the classifier (1280 at width ≤ 1). */
    public long lastChannel() {
        return lastChannel;
    }

    @Override
    protected String extraRepr() {
        return "width_mult=" + widthMult;
    }

    /** Builder for {@link MobileNetV2}; defaults are torchvision's. */
    public static final class Builder {
        private int numClasses = 1000;
        private int inChannels = 3;
        private double widthMult = 1.0;
        private double dropout = 0.2;
        private long roundNearest = 8;

        private Builder() {
        }

        /** Output classes (1000). */
        public Builder optNumClasses(int n) {
            this.numClasses = n;
            return this;
        }

        /** Input channels (3). */
        public Builder optInChannels(int c) {
            this.inChannels = c;
            return this;
        }

        /** Width multiplier applied to every layer's channels (1.0). */
        public Builder optWidthMult(double w) {
            this.widthMult = w;
            return this;
        }

        /** Dropout probability before the classifier (0.2). */
        public Builder optDropout(double p) {
            this.dropout = p;
            return this;
        }

        /** Channel counts are rounded to multiples of this (8). */
        public Builder optRoundNearest(long r) {
            if (r <= 0) {
                throw new IllegalArgumentException("roundNearest must be positive, got " + r);
            }
            this.roundNearest = r;
            return this;
        }

        public MobileNetV2 build() {
            return new MobileNetV2(this);
        }
    }
}
