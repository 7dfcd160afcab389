package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm1d;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A VGG-style CNN with batch norm, as the CIFAR VGG of NNI's compression examples
 * ({@code examples/model_compress/models/cifar10/vgg.py}) that network slimming and filter pruning are
 * demonstrated on, generalised to any input channels and (through global average pooling) to 28×28 as
 * well as 32×32 inputs.
 *
 * <p>Architecture, driven by a config such as {@code [32, M, 64, M, 128, M, 256, M]}: {@code feature} is a
 * {@link Sequential} where each number {@code v} adds {@code Conv2d(in, v, 3, padding=1, bias=False)},
 * {@code BatchNorm2d(v)}, {@code ReLU} and each {@link #M} adds {@code MaxPool2d(2, 2)}; then
 * {@code AdaptiveAvgPool2d(1)}, flatten, and {@code classifier = Sequential(Linear(last, hidden),
 * BatchNorm1d(hidden), ReLU, Linear(hidden, classes))}. Parameters:
 * {@code Σ (9·in·v + 2v)} over the convs plus {@code last·hidden + hidden + 2·hidden + hidden·classes + classes}.
 * State-dict keys: {@code feature.0.weight}, {@code feature.1.weight/bias/running_mean/…},
 * {@code classifier.0.weight}, {@code classifier.1.*}, {@code classifier.3.weight}.
 *
 * <p>PyTorch equivalent (NNI's {@code VGG} with {@code make_layers(cfg, batch_norm=True)}, except that
 * NNI applies {@code nn.AvgPool2d(2)} to the 2×2 map of a 32×32 input, which equals global average
 * pooling there): <pre>
 * feature = make_layers(cfg, batch_norm=True)   # conv3x3(bias=False)-BN-ReLU, 'M' = MaxPool2d(2, 2)
 * classifier = nn.Sequential(nn.Linear(cfg[-1], 512), nn.BatchNorm1d(512), nn.ReLU(inplace=True), nn.Linear(512, 10))
 * forward: classifier(flatten(adaptive_avg_pool2d(feature(x), 1)))
 * </pre>
 * Initialisation as NNI's: conv {@code N(0, 2/(k·k·out))}, BatchNorm2d γ = 0.5 and β = 0 (the
 * network-slimming setting), linear {@code N(0, 0.01)} with zero bias, BatchNorm1d ones/zeros.
 * The default config {@link #SMALL} keeps CPU training quick; {@link #VGG16} is NNI's default.
 */
public class Vgg extends Module {

    /** Marks a 2×2 max pooling in a config. */
    public static final int M = -1;
    /** The default: four conv stages of 32, 64, 128, 256 channels, each followed by pooling. */
    public static final int[] SMALL = {32, M, 64, M, 128, M, 256, M};
    /** NNI's VGG-11 config. */
    public static final int[] VGG11 = {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512};
    /** NNI's VGG-16 config. */
    public static final int[] VGG16 = {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512};
    /** NNI's VGG-19 config. */
    public static final int[] VGG19 = {64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512,
        512, 512};

    public final Sequential feature;
    public final AdaptiveAvgPool2d avgpool;
    public final Flatten flatten;
    public final Sequential classifier;
    private final int[] config;

    /** The {@link #SMALL} VGG for 3-channel inputs and 10 classes. */
    public Vgg() {
        this(builder());
    }

    /** See {@link #builder()}. */
    protected Vgg(Builder b) {
        if (b.inChannels <= 0 || b.numClasses <= 0 || b.hidden <= 0) {
            throw new IllegalArgumentException("Vgg needs positive inChannels, numClasses and hidden; got " + b.inChannels
                    + ", " + b.numClasses + ", " + b.hidden);
        }
        config = b.config.clone();
        Sequential f = new Sequential();
        long in = b.inChannels;
        for (int i = 0; i < config.length; i++) {
            int v = config[i];
            if (v == M) {
                f.add(new MaxPool2d(2));
            } else if (v > 0) {
                f.add(Conv2d.builder().setInChannels(in).setOutChannels(v).setKernelSize(3).optPadding(1).optBias(false)
                        .build());
                f.add(new BatchNorm2d(v));
                f.add(new ReLU());
                in = v;
            } else {
                throw new IllegalArgumentException("Vgg config[" + i + "] = " + v
                        + ": expected a positive channel count or Vgg.M (" + M + ")");
            }
        }
        if (Arrays.stream(config).noneMatch(v -> v > 0)) {
            throw new IllegalArgumentException("Vgg config " + Arrays.toString(config) + " has no convolution");
        }
        feature = registerModule("feature", f);
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1));
        flatten = registerModule("flatten", new Flatten());
        classifier = registerModule("classifier", new Sequential(new Linear(in, b.hidden), new BatchNorm1d(b.hidden),
                new ReLU(), new Linear(b.hidden, b.numClasses)));
        initialise();
    }

    private void initialise() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Module m : namedModules().values()) {
                if (m instanceof Conv2d c) {
                    long n = c.kernelSize()[0] * c.kernelSize()[1] * c.outChannels();
                    c.weight().normal_(0.0, Math.sqrt(2.0 / n), new GeneratorOptional());
                } else if (m instanceof BatchNorm2d bn) {
                    bn.weight().fill_(new Scalar(0.5));
                    bn.bias().zero_();
                } else if (m instanceof Linear l) {
                    l.weight().normal_(0.0, 0.01, new GeneratorOptional());
                    l.bias().zero_();
                }
            }
        }
    }

    /**
     * Parses a config written as in Python, without brackets: {@code "64,M,128,M"} (spaces and
     * brackets are ignored, {@code M} in either case).
     */
    public static int[] parseConfig(String text) {
        String cleaned = text.replaceAll("[\\[\\]'\"\\s]", "");
        if (cleaned.isEmpty()) {
            throw new IllegalArgumentException("Vgg config is empty: \"" + text + "\"");
        }
        String[] parts = cleaned.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equalsIgnoreCase("M")) {
                out[i] = M;
            } else {
                try {
                    out[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Vgg config \"" + text + "\", entry " + i + " \"" + parts[i]
                            + "\": expected a channel count or M", e);
                }
            }
        }
        return out;
    }

    /** A builder: all settings are optional ({@code opt…}). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected Tensor forward(Tensor x) {
        return classifier.call(flatten.call(avgpool.call(feature.call(x))));
    }

    /** The config this network was built from (a copy). */
    public int[] config() {
        return config.clone();
    }

    @Override
    protected String extraRepr() {
        return Arrays.stream(config).mapToObj(v -> v == M ? "M" : Integer.toString(v))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Builder for {@link Vgg}: config {@link #SMALL}, 3 input channels, 10 classes, hidden 512. */
    public static final class Builder {
        private int[] config = SMALL;
        private int inChannels = 3;
        private int numClasses = 10;
        private int hidden = 512;

        private Builder() {
        }

        /** The feature config: channel counts and {@link #M} for pooling. */
        public Builder optConfig(int... cfg) {
            this.config = cfg.clone();
            return this;
        }

        /** Input channels (3; 1 for Fashion-MNIST). */
        public Builder optInChannels(int c) {
            this.inChannels = c;
            return this;
        }

        /** Output classes (10). */
        public Builder optNumClasses(int n) {
            this.numClasses = n;
            return this;
        }

        /** Width of the hidden classifier layer (512). */
        public Builder optHidden(int h) {
            this.hidden = h;
            return this;
        }

        public Vgg build() {
            return new Vgg(this);
        }
    }
}
