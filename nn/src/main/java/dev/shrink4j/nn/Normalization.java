package dev.shrink4j.nn;

import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-channel normalisation of 8-bit images: {@code (x / 255 − mean[c]) / std[c]}, as
 * torchvision's {@code ToTensor()} followed by {@code Normalize(mean, std)}. A normalisation with one
 * channel applies to images with any number of channels.
 */
public final class Normalization {

    /** Fashion-MNIST training-set statistics (mean 0.2860, std 0.3530). */
    public static final Normalization FASHION_MNIST = of(0.2860, 0.3530);
    /** MNIST training-set statistics (mean 0.1307, std 0.3081). */
    public static final Normalization MNIST = of(0.1307, 0.3081);
    /** CIFAR-10 training-set statistics per channel (R, G, B). */
    public static final Normalization CIFAR10 = of(new double[] {0.4914, 0.4822, 0.4465}, new double[] {0.2470, 0.2435, 0.2616});
    /** Only scales to [0, 1]: mean 0, std 1. */
    public static final Normalization SCALE_ONLY = of(0.0, 1.0);

    private final double[] mean;
    private final double[] std;

    private Normalization(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** The same mean and standard deviation for every channel. */
    public static Normalization of(double mean, double std) {
        return of(new double[] {mean}, new double[] {std});
    }

    /**
     * One mean and standard deviation per channel.
     *
     * @throws IllegalArgumentException when the lengths differ, are zero, or a std is not positive
     */
    public static Normalization of(double[] mean, double[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalization: need as many means as stds (at least one), got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("Normalization: std must be positive, got " + Arrays.toString(std));
            }
        }
        return new Normalization(mean.clone(), std.clone());
    }

    /** The number of channels this normalisation is defined for (1 means every channel). */
    public int channels() {
        return mean.length;
    }

    /** The mean of channel {@code c} (of the only channel when {@link #channels()} is 1). */
    public double mean(int c) {
        return mean[mean.length == 1 ? 0 : c];
    }

    /** The standard deviation of channel {@code c} (of the only channel when {@link #channels()} is 1). */
    public double std(int c) {
        return std[std.length == 1 ? 0 : c];
    }

    /** The normalised value of one 8-bit pixel of channel {@code c}, computed in double precision. */
    public double apply(int pixel, int c) {
        return (pixel / 255.0 - mean(c)) / std(c);
    }

    /**
     * Normalises an unsigned-byte tensor {@code [N, C, H, W]} into a new float tensor. Temporaries
     * belong to the caller's scope.
     *
     * @throws IllegalArgumentException when the tensor has a channel count this normalisation lacks
     */
    public Tensor apply(Tensor bytes) {
        long c = bytes.size(1);
        if (mean.length != 1 && mean.length != c) {
            throw new IllegalArgumentException("Normalization for " + mean.length + " channels applied to images with " + c);
        }
        // In-place ops return a non-owning alias of x; keep using (and returning) x itself.
        Tensor x = bytes.to(torch.ScalarType.Float);
        x.div_(new Scalar(255.0));
        if (mean.length == 1) {
            x.sub_(new Scalar(mean[0]));
            x.div_(new Scalar(std[0]));
            return x;
        }
        float[] m = new float[mean.length];
        float[] s = new float[std.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) mean[i];
            s[i] = (float) std[i];
        }
        x.sub_(Tensor.create(m, 1, m.length, 1, 1));
        x.div_(Tensor.create(s, 1, s.length, 1, 1));
        return x;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
