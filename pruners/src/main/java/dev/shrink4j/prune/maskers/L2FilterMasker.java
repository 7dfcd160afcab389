package dev.shrink4j.prune.maskers;

import org.bytedeco.pytorch.Tensor;

/**
 * Filters with the smallest L2 norm go first (NNI's {@code L2FilterPrunerMasker}): the importance of
 * filter {@code i} is {@code sqrt(Σ W_i²)} over its masked weights. Counting and layout:
 * {@link FilterMasker}.
 */
public final class L2FilterMasker extends FilterMasker {

    @Override
    public Tensor filterImportance(Tensor maskedWeight) {
        Tensor flat = maskedWeight.flatten(1, -1);
        return flat.mul(flat).sum(1).sqrt();
    }
}
