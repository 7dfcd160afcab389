package dev.shrink4j.nn.layers;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small helpers for golden-value tests. */
final class TestTensors {

    private TestTensors() {
    }

    /** The values of {@code t} as floats, row-major. */
    static float[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** {@code 0, 1, …, prod(shape)-1} as a float tensor of {@code shape}. */
    static Tensor arange(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return torch.arange(new Scalar(n), new TensorOptions(torch.ScalarType.Float)).reshape(shape);
    }

    /** Overwrites a parameter's values without recording autograd history. */
    static void set(Tensor param, float... values) {
        param.detach().copy_(Tensor.create(values, param.shape()));
    }
}
