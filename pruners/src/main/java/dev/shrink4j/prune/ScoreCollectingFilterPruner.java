package dev.shrink4j.prune;

import dev.shrink4j.collect.ActivationFunctions;
import dev.shrink4j.collect.ChannelStatisticsCollector;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.prune.importance.CollectedChannelImportance;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * Lifecycle shared by the data-driven filter pruners (APoZ, mean activation, Taylor): Conv2d layers
 * only; a {@link ChannelStatisticsCollector} is attached to every wrapper in {@code compress()}
 * ({@link #addActivationCollector}); once every layer has seen {@code statistics_batch_num} batches
 * the masks are computed, once, from the collected scores ({@link CollectedChannelImportance}) and the
 * collector is removed. Allocation, with {@code dependency_aware} and {@code global_sort}, is
 * {@link FilterPruner}'s; the dependency graph is built in {@code compress()}, before the collector is
 * attached.
 *
 * <p>With an optimizer the masks are computed in its after-step hook, the first step at which every
 * layer has enough batches (NNI patches {@code optimizer.step} with {@code update_mask} and computes
 * each layer once, {@code if_calculated}). Without one, run the calibration batches and call
 * {@link #updateMask()}. Until then the masks are all ones.
 */
public abstract class ScoreCollectingFilterPruner extends FilterPruner implements DataDriven {

    private final ChannelStatisticsCollector collector;
    private final CollectedChannelImportance scoreImportance;
    private Integer collectorId;
    private boolean masksComputed;

    /**
     * The pruner a builder describes, fed by {@code collector} (so a builder need not know which
     * collector its pruner uses).
     */
    ScoreCollectingFilterPruner(Builder<?> b, ChannelStatisticsCollector collector) {
        this(b, collector, importance(b, collector));
    }

    /** The importance, made after the builder's check so a bad option is reported with the pruner's name. */
    private static CollectedChannelImportance importance(Builder<?> b, ChannelStatisticsCollector collector) {
        b.check();
        return new CollectedChannelImportance(collector, b.statisticsBatchNum);
    }

    private ScoreCollectingFilterPruner(Builder<?> b, ChannelStatisticsCollector collector,
            CollectedChannelImportance importance) {
        super(b, importance);
        this.collector = collector;
        this.scoreImportance = importance;
    }

    /** The collector feeding the scores (readable after the masks are computed). */
    public final ChannelStatisticsCollector collector() {
        return collector;
    }

    /** How many batches each layer needs ({@code statistics_batch_num}). */
    public final int statisticsBatchNum() {
        return scoreImportance.statisticsBatchNum();
    }

    /** {@link #statisticsBatchNum()}: a training loop runs these before {@link #finishStatistics()}. */
    @Override
    public final int statisticsBatches() {
        return statisticsBatchNum();
    }

    /**
     * Forward passes in evaluation mode (activation statistics; batch norm is untouched); pruners that
     * need gradients override this.
     */
    @Override
    public StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_EVAL;
    }

    /** {@link #updateMask()}: the masks from the collected statistics. */
    @Override
    public final void finishStatistics() {
        updateMask();
    }

    /**
     * Options shared by the builders of the collecting pruners: {@code set…} required, {@code opt…}
     * optional.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends FilterPruner.BaseBuilder<B> {
        int statisticsBatchNum = 1;

        /** @param pruner the pruner's simple class name, for error messages */
        Builder(String pruner) {
            super(pruner);
        }

        /** {@code statistics_batch_num}: batches of statistics before the masks are computed, default 1 (NNI's). */
        public B optStatisticsBatchNum(int statisticsBatchNum) {
            this.statisticsBatchNum = statisticsBatchNum;
            return self();
        }

        /** Throws naming the first missing or invalid option. */
        @Override
        protected void check() {
            super.check();
            if (statisticsBatchNum < 1) {
                throw new IllegalArgumentException(compressorName() + ": statistics_batch_num must be at least 1, got "
                        + statisticsBatchNum);
            }
        }
    }

    /**
     * Builder of the pruners scored by a statistic of the activated layer output (APoZ, mean
     * activation): the shared options plus the activation. The pruners differ only in the collector
     * their constructor creates, so one builder serves them all, given the pruner's name and that
     * constructor.
     *
     * @param <P> the pruner built
     */
    public static final class ActivationBuilder<P extends ScoreCollectingFilterPruner> extends Builder<ActivationBuilder<P>> {
        UnaryOperator<Tensor> activation = ActivationFunctions.RELU;
        private final Function<ActivationBuilder<P>, P> constructor;

        /**
         * @param pruner the pruner's name in error messages
         * @param constructor builds the pruner from this (checked) builder
         */
        ActivationBuilder(String pruner, Function<ActivationBuilder<P>, P> constructor) {
            super(pruner);
            this.constructor = constructor;
        }

        /** Applied to each output before the statistic is taken, default ReLU (see {@link ActivationFunctions}). */
        public ActivationBuilder<P> optActivation(UnaryOperator<Tensor> activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /** The activation by NNI's name: {@code "relu"} (default), {@code "relu6"} or {@code "identity"}. */
        public ActivationBuilder<P> optActivation(String name) {
            this.activation = ActivationFunctions.byName(name);
            return this;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public P build() {
            return constructor.apply(this);
        }
    }

    /** Whether the masks have been computed (and the collector removed). */
    public final boolean masksComputed() {
        return masksComputed;
    }

    /** Whether the collector is still attached through this pruner. */
    public final boolean isCollecting() {
        return collectorId != null;
    }

    /**
     * Adds: only Conv2d layers (these pruners remove convolution filters), reported in these pruners'
     * own words ({@code "config_list[0]: fc is a Linear; ... prunes Conv2d filters only"}).
     */
    @Override
    protected ConfigSchema.Builder schemaBuilder() {
        String algorithm = getClass().getSimpleName();
        return super.schemaBuilder().allowTypes((entry, layer, type) -> "config_list[" + entry + "]: " + layer
                + " is a " + type + "; " + algorithm + " prunes Conv2d filters only", Conv2d.class);
    }

    /**
     * Plans the allocation (tracing the model when dependency-aware), then attaches the collector; the
     * masks stay all ones until enough batches were seen.
     */
    @Override
    protected void afterWrap() {
        planAllocation();
        collectorId = addActivationCollector(collector);
    }

    /** Computes the masks at the first step where every layer has enough batches. */
    @Override
    protected void afterOptimizerStep() {
        if (!masksComputed && allReady()) {
            updateMask();
        }
    }

    /** Whether every wrapped layer has {@code statistics_batch_num} batches. */
    protected final boolean allReady() {
        for (ModuleWrapper w : getModulesWrapper()) {
            if (!scoreImportance.isReady(w.name())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Computes every layer's masks from the collected statistics and removes the collector. Masks are
     * computed once: later calls do nothing.
     *
     * @throws IllegalStateException naming each layer that has fewer than {@code statistics_batch_num} batches
     */
    @Override
    public final void updateMask() {
        requireCompressed();
        if (masksComputed) {
            return;
        }
        List<String> missing = new ArrayList<>();
        for (ModuleWrapper w : getModulesWrapper()) {
            if (!scoreImportance.isReady(w.name())) {
                missing.add(w.name() + " (" + collector.batches(w.name()) + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + " needs " + statisticsBatchNum()
                    + " batch(es) of statistics per layer before computing masks; seen so far: " + String.join(", ", missing));
        }
        super.updateMask();
        masksComputed = true;
        removeActivationCollector(collectorId);
        collectorId = null;
    }
}
