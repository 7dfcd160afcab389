package dev.shrink4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * A function from a stored parameter to the tensor forward computes with, as in
 * {@code torch.nn.utils.parametrize}: pruning multiplies by a mask, quantization fake-quantizes. The
 * stored parameter (and its state-dict key) stays what it was; only forward sees the transform, and
 * gradients flow through it to the stored parameter.
 */
@FunctionalInterface
public interface Parametrization {

    /**
     * @param original the stored parameter (or the previous parametrization's result)
     * @return the value forward uses; same shape as {@code original}
     */
    Tensor apply(Tensor original);
}
