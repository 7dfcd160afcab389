package dev.shrink4j.prune;

import dev.shrink4j.collect.TaylorScoreCollector;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/**
 * Prunes the Conv2d filters with the smallest first-order Taylor importance (Molchanov et al.,
 * "Importance Estimation for Neural Network Pruning", CVPR 2019; NNI's
 * {@code TaylorFOWeightFilterPruner}).
 *
 * <p>Rule: per filter {@code f}, {@code score[f] = Σ_batches Σ_(i in f) (W[f,i]·∂L/∂W[f,i])²},
 * accumulated by a {@link TaylorScoreCollector} over the first {@code statistics_batch_num} optimizer
 * steps (default 1, as NNI). As in NNI (whose {@code calc_contributions} runs in the patched
 * {@code optimizer.step}, after the update), each batch is accumulated in the optimizer's
 * <em>after</em>-step hook from the step's gradient and the weight just updated; on the step that
 * completes {@code statistics_batch_num} batches the masks are computed, once, and the collector
 * is removed:
 * <ul>
 *   <li>per layer (default): of a layer's {@code n} filters the {@code floor(n·sparsity)} lowest
 *       scores are pruned, weights and bias;</li>
 *   <li>{@code global_sort}: every selected layer's filters are ranked together and the
 *       {@code floor(N_total·sparsity)} lowest scores across all of them are pruned, so layers lose
 *       different shares. All entries must then share one sparsity. (NNI takes
 *       {@code config_list[0]['sparsity']}, derives one threshold, and then counts weights below it
 *       rather than filters; this implements the stated intent.)</li>
 *   <li>{@code dependency_aware}: residual groups on common channels, as every {@link FilterPruner}.</li>
 * </ul>
 * Without an optimizer: after each {@code backward()} call {@link #accumulate()}, then
 * {@link #updateMask()}.
 */
public final class TaylorFoWeightFilterPruner extends ScoreCollectingFilterPruner {

    /** Per-layer ranking with {@code statistics_batch_num = 1}. */
    public TaylorFoWeightFilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    private TaylorFoWeightFilterPruner(Builder b) {
        super(b, new TaylorScoreCollector());
    }

    /**
     * A builder for the non-default options ({@code statistics_batch_num}, {@code global_sort},
     * {@code dependency_aware}).
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link TaylorFoWeightFilterPruner}. */
    public static final class Builder extends ScoreCollectingFilterPruner.Builder<Builder> {
        private Builder() {
            super("TaylorFoWeightFilterPruner");
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public TaylorFoWeightFilterPruner build() {
            return new TaylorFoWeightFilterPruner(this);
        }
    }

    /** The Taylor collector. */
    public TaylorScoreCollector taylorCollector() {
        return (TaylorScoreCollector) collector();
    }

    /**
     * Adds one batch of Taylor scores from the current gradients, while statistics are still needed
     * (the optimizer hook calls this; call it yourself when training without one).
     */
    public void accumulate() {
        requireCompressed();
        if (isCollecting() && !allReady()) {
            taylorCollector().accumulate();
        }
    }

    /** Forward and backward passes: the Taylor scores need the gradients. */
    @Override
    public StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_BACKWARD;
    }

    /** {@link #accumulate()}: one batch of Taylor scores from the statistics batch's gradients. */
    @Override
    public void afterStatisticsBatch() {
        accumulate();
    }

    /** Accumulates this step's batch, then computes the masks if every layer has enough batches. */
    @Override
    protected void afterOptimizerStep() {
        accumulate();
        super.afterOptimizerStep();
    }
}
