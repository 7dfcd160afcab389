package dev.shrink4j.prune;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Reading and writing small float tensors in the pruners' tests. */
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
    public static void set(Tensor target, float[] data) {
        try (NoGradGuard g = new NoGradGuard()) {
            target.copy_(Tensor.create(data, target.shape()));
        }
    }
}
