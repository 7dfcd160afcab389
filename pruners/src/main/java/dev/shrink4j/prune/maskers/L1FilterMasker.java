package dev.shrink4j.prune.maskers;

import org.bytedeco.pytorch.Tensor;

/**
 * Filters with the smallest L1 norm go first (Li et al., "Pruning Filters for Efficient ConvNets";
 * NNI's {@code L1FilterPrunerMasker}): the importance of filter {@code i} is
 * {@code Σ |W_i|} over its masked weights. Counting and layout: {@link FilterMasker}.
 */
public final class L1FilterMasker extends FilterMasker {

    @Override
    public Tensor filterImportance(Tensor maskedWeight) {
        return maskedWeight.abs().flatten(1, -1).sum(1);
    }
}
