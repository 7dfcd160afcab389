package dev.shrink4j.prune;

import dev.shrink4j.collect.ApozCollector;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/**
 * Prunes the Conv2d filters whose activations are most often zero (Hu et al., "Network Trimming",
 * 2016; NNI's {@code ActivationAPoZRankFilterPruner}).
 *
 * <p>Rule: an {@link ApozCollector} records, per output channel {@code c}, the share of zeros of
 * {@code activation(output)} over {@code N, H, W} across the first {@code statistics_batch_num}
 * forward passes (default 1, as NNI); the score is {@code 1 − APoZ[c]}, and of a layer's {@code n}
 * filters the {@code floor(n·sparsity)} with the lowest scores are pruned (lower index first on
 * ties), weights and bias. Masks are computed once (see {@link ScoreCollectingFilterPruner}) and the
 * collector is then removed.
 * {@code dependency_aware} and {@code global_sort} allocate as in every {@link FilterPruner}.
 *
 * <pre>{@code
 * var pruner = new ActivationApozRankFilterPruner(model, configList, null);
 * pruner.compress();
 * model.call(calibrationBatch);       // statistics_batch_num forward passes
 * pruner.updateMask();
 * }</pre>
 */
public final class ActivationApozRankFilterPruner extends ScoreCollectingFilterPruner {

    /** With ReLU and {@code statistics_batch_num = 1}. */
    public ActivationApozRankFilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    private ActivationApozRankFilterPruner(ActivationBuilder<ActivationApozRankFilterPruner> b) {
        super(b, new ApozCollector(b.activation));
    }

    /** A builder for the non-default options ({@code activation}, {@code statistics_batch_num}). */
    public static ActivationBuilder<ActivationApozRankFilterPruner> builder() {
        return new ActivationBuilder<>("ActivationApozRankFilterPruner", ActivationApozRankFilterPruner::new);
    }

    /** The APoZ collector. */
    public ApozCollector apozCollector() {
        return (ApozCollector) collector();
    }
}
