package dev.shrink4j.nn;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reading and writing small float tensors in golden-value tests, shared by the modules' tests (the nn
 * test-jar) so that each test compares plain {@code float[]} arrays.
 */
public final class TensorValues {

    private TensorValues() {
    }

    /** The values of a float tensor in row-major order. */
    public static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** Copies {@code data} (row-major) into {@code target} in place, without recording gradients. */
    public static void set(Tensor target, float... data) {
        try (NoGradGuard g = new NoGradGuard()) {
            target.copy_(Tensor.create(data, target.shape()));
        }
    }

    /** {@code 0, 1, …, prod(shape)-1} as a float tensor of {@code shape}. */
    public static Tensor arange(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return torch.arange(new Scalar(n), new TensorOptions(torch.ScalarType.Float)).reshape(shape);
    }
}
