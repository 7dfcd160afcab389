package dev.shrink4j.workbench.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A training criterion: the mean loss of a batch of outputs against their targets. */
@FunctionalInterface
public interface Loss {

    /** The batch's mean loss as a scalar tensor (in the caller's scope). */
    Tensor compute(Tensor output, Tensor target);

    /** Cross entropy of logits {@code [B, classes]} against class indices {@code [B]} ({@code F.cross_entropy}). */
    static Loss crossEntropy() {
        return torch::cross_entropy;
    }
}
