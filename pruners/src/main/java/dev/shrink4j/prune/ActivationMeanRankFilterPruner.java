package dev.shrink4j.prune;

import dev.shrink4j.collect.ActivationFunctions;
import dev.shrink4j.collect.MeanActivationCollector;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

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
 */
public final class ActivationMeanRankFilterPruner extends ScoreCollectingFilterPruner {

    /** With ReLU and {@code statistics_batch_num = 1}. */
    public ActivationMeanRankFilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(model, configList, optimizer, ActivationFunctions.RELU, 1);
    }

    /**
     * @param optimizer          the training optimizer (masks are computed in its step hook), or null
     * @param activation         applied to each output before averaging (see {@link ActivationFunctions})
     * @param statisticsBatchNum forward passes to collect before masks are computed (≥ 1)
     */
    public ActivationMeanRankFilterPruner(Module model, ConfigList configList, Optimizer optimizer,
            UnaryOperator<Tensor> activation, int statisticsBatchNum) {
        super(model, configList, optimizer, new MeanActivationCollector(activation), statisticsBatchNum);
    }

    /** The mean-activation collector. */
    public MeanActivationCollector meanCollector() {
        return (MeanActivationCollector) collector();
    }
}
