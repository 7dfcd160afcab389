package dev.shrink4j.workbench.data;

import org.bytedeco.pytorch.Tensor;

/**
 * One mini-batch: inputs {@code x [B, C, H, W]} (float) and class labels {@code y [B]} (long). The
 * tensors belong to the {@code PointerScope} that was open when the batch was made.
 *
 * @param x the inputs
 * @param y the labels
 */
public record Batch(Tensor x, Tensor y) {

    /** The number of samples in this batch. */
    public int size() {
        return (int) y.size(0);
    }
}
