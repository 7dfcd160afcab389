package dev.shrink4j.nn.layers;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Concatenation along the channel dimension ({@code torch.cat(inputs, dim=1)}), as a module so that hooks
 * and the model-graph tracer see it (AMC's {@code Concatenate}). Takes one or more tensors that agree in
 * every dimension but 1. No parameters, no state-dict entries.
 */
public class Concat extends Merge {

    /** Concatenation along dimension 1. */
    public Concat() {
        super(1, Integer.MAX_VALUE);
    }

    /** {@code torch.cat(inputs, 1)}, through the hooks. */
    public Tensor call(Tensor... inputs) {
        return callAll(inputs);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        long[] first = inputs.get(0).shape();
        for (int i = 0; i < inputs.size(); i++) {
            long[] s = inputs.get(i).shape();
            if (s.length < 2 || s.length != first.length || !sameExceptDim1(first, s)) {
                throw new IllegalArgumentException("Concat: input " + i + " has shape " + Arrays.toString(s)
                        + ", input 0 has " + Arrays.toString(first) + "; they must have at least 2 dimensions and agree in"
                        + " every dimension but 1");
            }
        }
        return torch.cat(new TensorVector(inputs.toArray(new Tensor[0])), 1);
    }

    private static boolean sameExceptDim1(long[] a, long[] b) {
        for (int d = 0; d < a.length; d++) {
            if (d != 1 && a[d] != b[d]) {
                return false;
            }
        }
        return true;
    }
}
