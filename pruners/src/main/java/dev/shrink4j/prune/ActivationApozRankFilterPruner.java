package dev.shrink4j.prune;

import dev.shrink4j.collect.ActivationFunctions;
import dev.shrink4j.collect.ApozCollector;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

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

    private ActivationApozRankFilterPruner(Builder b) {
        super(b.model, b.configList, b.optimizer, new ApozCollector(b.activation), b.statisticsBatchNum);
    }

    /** A builder for the non-default options ({@code activation}, {@code statistics_batch_num}). */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link ActivationApozRankFilterPruner}. */
    public static final class Builder extends ScoreCollectingFilterPruner.Builder<Builder> {
        private UnaryOperator<Tensor> activation = ActivationFunctions.RELU;

        private Builder() {
        }

        /** Applied to each output before counting zeros, default ReLU (see {@link ActivationFunctions}). */
        public Builder optActivation(UnaryOperator<Tensor> activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** The activation by NNI's name: {@code "relu"} (default), {@code "relu6"} or {@code "identity"}. */
        public Builder optActivation(String name) {
            this.activation = ActivationFunctions.byName(name);
            return this;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public ActivationApozRankFilterPruner build() {
            check("ActivationApozRankFilterPruner");
            return new ActivationApozRankFilterPruner(this);
        }
    }

    /** The APoZ collector. */
    public ApozCollector apozCollector() {
        return (ApozCollector) collector();
    }
}
