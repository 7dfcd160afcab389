package dev.shrink4j.amc.lowrank;

import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** float64 tensors from Java values, for the tests' exact comparisons. */
final class Doubles {

    private Doubles() {
    }

    static Tensor tensor(double[] values, long... shape) {
        return Tensor.create(values, shape);
    }

    /** The golden weight: ((arange(108)·0.731) mod 1.9) − 0.8, shape (4, 3, 3, 3). */
    static Tensor goldenWeight() {
        double[] w = new double[108];
        for (int i = 0; i < w.length; i++) {
            w[i] = ((i * 0.731) % 1.9) - 0.8;
        }
        return tensor(w, 4, 3, 3, 3);
    }

    /** Reproducible uniform values in [-1, 1). */
    static Tensor uniform(long seed, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        Random r = new Random(seed);
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * r.nextDouble() - 1;
        }
        return tensor(v, shape);
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        return a.to(torch.ScalarType.Double).sub(b.to(torch.ScalarType.Double)).abs().max().item_double();
    }

    static Tensor conv(Tensor x, Tensor w, Tensor b, long[] stride, long[] padding) {
        return torch.conv2d(x, w, b == null ? new TensorOptional() : new TensorOptional(b), stride, padding,
                new long[] {1, 1}, 1);
    }
}
