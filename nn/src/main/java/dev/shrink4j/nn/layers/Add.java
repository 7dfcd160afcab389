package dev.shrink4j.nn.layers;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Element-wise sum of two tensors of the same shape ({@code a + b}), as a module so that hooks and the
 * model-graph tracer see the residual connection it usually is (PyTorch's {@code FloatFunctional.add},
 * AMC's {@code ElemAdd}). No parameters, no state-dict entries. Broadcasting is refused: a residual sum
 * of two different shapes is a bug, and the channel analysis relies on the operands lining up.
 */
public class Add extends Merge {

    /** A two-input sum. */
    public Add() {
        super(2, 2);
    }

    /** {@code a + b}, through the hooks. */
    public Tensor call(Tensor a, Tensor b) {
        return callAll(a, b);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        Tensor a = inputs.get(0);
        Tensor b = inputs.get(1);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("Add: the inputs have shapes " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + "; they must be equal");
        }
        return a.add(b);
    }
}
