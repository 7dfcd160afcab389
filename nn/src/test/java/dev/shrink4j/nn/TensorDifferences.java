package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Comparisons of tensors and model outputs shared by the modules' tests (the nn test-jar). */
public final class TensorDifferences {

    private TensorDifferences() {
    }

    /** The largest |a[i] − b[i]|, in double precision; fails when the lengths differ. */
    public static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    /** The raw bytes of a tensor in row-major order: what "bit-identical" compares. */
    public static byte[] rawBytes(Tensor t) {
        Tensor c = t.detach().contiguous();
        byte[] out = new byte[(int) c.nbytes()];
        if (out.length > 0) {
            new BytePointer(c.data_ptr()).get(out);
        }
        return out;
    }
}
