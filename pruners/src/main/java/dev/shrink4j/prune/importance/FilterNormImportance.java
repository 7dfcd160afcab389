package dev.shrink4j.prune.importance;

import org.bytedeco.pytorch.Tensor;

/**
 * Output units by the norm of their masked weights: L1 {@code Σ |W_i|} (Li et al., "Pruning Filters for
 * Efficient ConvNets"; NNI's {@code L1FilterPrunerMasker}) or L2 {@code sqrt(Σ W_i²)} (NNI's
 * {@code L2FilterPrunerMasker}), over all weights of unit {@code i} of {@code weight · weight_mask}, so a
 * unit pruned before scores 0. Serves the L1/L2 filter pruners and AGP's {@code l1}/{@code l2} criteria.
 */
public final class FilterNormImportance implements Importance {

    private final int order;

    private FilterNormImportance(int order) {
        this.order = order;
    }

    /** Units by {@code Σ |w|}. */
    public static FilterNormImportance l1() {
        return new FilterNormImportance(1);
    }

    /** Units by {@code sqrt(Σ w²)}. */
    public static FilterNormImportance l2() {
        return new FilterNormImportance(2);
    }

    /** The norm order, 1 or 2. */
    public int order() {
        return order;
    }

    /** {@link Granularity#OUTPUT_UNIT}. */
    @Override
    public Granularity granularity() {
        return Granularity.OUTPUT_UNIT;
    }

    /** One norm per output unit, {@code [out]}. */
    @Override
    public Tensor scores(ImportanceInput input) {
        Tensor flat = input.maskedWeight().reshape(input.units(), -1); // [out, rest], also for a 1-D weight
        return order == 1 ? flat.abs().sum(1) : flat.mul(flat).sum(1).sqrt();
    }

    @Override
    public String toString() {
        return "L" + order + " filter norm";
    }
}
