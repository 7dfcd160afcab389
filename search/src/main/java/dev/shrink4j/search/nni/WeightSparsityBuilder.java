package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.SearchBuilder;
import dev.shrink4j.search.scoring.SearchSettings;

/**
 * What the builders of the NNI loops that aim at an overall weight sparsity share: the target and each layer's weight
 * count (both required).
 *
 * @param <B> the concrete builder
 */
public abstract class WeightSparsityBuilder<B extends WeightSparsityBuilder<B>> extends SearchBuilder<B> {

    private Double targetSparsity;
    private long[] weightCounts;

    /** For subclasses. */
    protected WeightSparsityBuilder() {
    }

    /** The share of all prunable weights to prune, in (0, 1) (required). */
    public final B setTargetSparsity(double targetSparsity) {
        this.targetSparsity = targetSparsity;
        return self();
    }

    /** The weight count of each prunable layer, in the scorer's layer order (required). */
    public final B setLayerWeightCounts(long... weightCounts) {
        this.weightCounts = weightCounts.clone();
        return self();
    }

    /** The checked target sparsity (after {@link #checkWeightSparsity}). */
    final double targetSparsity() {
        return targetSparsity;
    }

    /** A copy of the weight counts. */
    final long[] weightCounts() {
        return weightCounts.clone();
    }

    /** Checks the shared settings, the target and the weight counts. */
    final void checkWeightSparsity(String builder, String search) {
        checkShared(builder, search);
        SearchSettings.checkOpenUnit("target sparsity", SearchSettings.required(builder, "setTargetSparsity",
                targetSparsity));
        SearchSettings.checkWeightCounts(SearchSettings.required(builder, "setLayerWeightCounts", weightCounts), scorer());
    }
}
