package dev.shrink4j.quant.algo;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Reading and writing tensor values in tests. */
final class QuantTestUtil {

    private QuantTestUtil() {
    }

    static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** Copies {@code v} into {@code t} in place (same number of elements). */
    static void set(Tensor t, float[] v) {
        try (NoGradGuard g = new NoGradGuard()) {
            t.copy_(Tensor.create(v, t.shape()));
        }
    }
}
