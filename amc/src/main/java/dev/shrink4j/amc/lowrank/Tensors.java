package dev.shrink4j.amc.lowrank;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Small conversions between tensors and Java arrays. */
final class Tensors {

    private Tensors() {
    }

    /** All values of {@code t} as doubles, in row-major order. */
    static double[] toDoubles(Tensor t) {
        Tensor d = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }

    /** ‖t‖_F as a Java double (computed in float64). */
    static double frobenius(Tensor t) {
        return t.to(torch.ScalarType.Double).norm().item_double();
    }
}
