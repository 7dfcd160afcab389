package dev.shrink4j.quant.core;

import org.bytedeco.pytorch.Tensor;

/**
 * Straight-through estimators built from {@code detach()} (libtorch offers Java no custom autograd
 * function). Each returns a tensor whose <em>value</em> is exactly the quantized one and whose
 * gradient with respect to {@code x} is the STE rule:
 * {@code q.detach() + (x − x.detach())} has value {@code q} (the bracket is exactly zero) and
 * gradient 1.
 */
public final class Ste {

    private Ste() {
    }

    /** Value {@code q}, gradient passed to {@code x} unchanged. */
    public static Tensor straightThrough(Tensor x, Tensor q) {
        return q.detach().add(x.sub(x.detach()));
    }

    /**
     * Value {@code q}, gradient passed to {@code x} where {@code passMask} is 1 and zeroed where it is
     * 0 (clipped STE: zero outside the quantization range).
     *
     * @param passMask a float tensor of 0s and 1s broadcastable to {@code x}, no gradient
     */
    public static Tensor masked(Tensor x, Tensor q, Tensor passMask) {
        Tensor gated = x.mul(passMask.detach());
        return q.detach().add(gated.sub(gated.detach()));
    }
}
