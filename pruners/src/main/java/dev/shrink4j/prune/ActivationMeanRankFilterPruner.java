package dev.shrink4j.prune;

import dev.shrink4j.collect.MeanActivationCollector;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/**
 * Prunes the Conv2d filters with the smallest mean activation (Molchanov et al., "Pruning
 * Convolutional Neural Networks for Resource Efficient Inference", 2017; NNI's
 * {@code ActivationMeanRankFilterPruner}).
 *
 * <p>Rule: a {@link MeanActivationCollector} records, per output channel {@code c}, the mean of
 * {@code activation(output)} over {@code N, H, W} across the first {@code statistics_batch_num}
 * forward passes (default 1, as NNI); of a layer's {@code n} filters the {@code floor(n·sparsity)}
 * with the smallest means are pruned (lower index first on ties), weights and bias. Masks are
 * computed once (see {@link ScoreCollectingFilterPruner}) and the collector is then removed.
 * {@code dependency_aware} and {@code global_sort} allocate as in every {@link FilterPruner}.
 */
public final class ActivationMeanRankFilterPruner extends ScoreCollectingFilterPruner {

    /** With ReLU and {@code statistics_batch_num = 1}. */
    public ActivationMeanRankFilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    private ActivationMeanRankFilterPruner(ActivationBuilder<ActivationMeanRankFilterPruner> b) {
        super(b, new MeanActivationCollector(b.activation));
    }

    /** A builder for the non-default options ({@code activation}, {@code statistics_batch_num}). */
    public static ActivationBuilder<ActivationMeanRankFilterPruner> builder() {
        return new ActivationBuilder<>("ActivationMeanRankFilterPruner", ActivationMeanRankFilterPruner::new);
    }

    /** The mean-activation collector. */
    public MeanActivationCollector meanCollector() {
        return (MeanActivationCollector) collector();
    }
}
