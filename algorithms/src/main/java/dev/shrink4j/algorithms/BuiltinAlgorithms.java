package dev.shrink4j.algorithms;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.prune.ActivationApozRankFilterPruner;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.prune.AgpPruner;
import dev.shrink4j.prune.AgpSchedule;
import dev.shrink4j.prune.FilterPruner;
import dev.shrink4j.prune.FpgmPruner;
import dev.shrink4j.prune.L1FilterPruner;
import dev.shrink4j.prune.L2FilterPruner;
import dev.shrink4j.prune.LevelPruner;
import dev.shrink4j.prune.LotteryTicketPruner;
import dev.shrink4j.prune.ScoreCollectingFilterPruner;
import dev.shrink4j.prune.SlimPruner;
import dev.shrink4j.prune.TaylorFoWeightFilterPruner;
import dev.shrink4j.quant.algo.BnnQuantizer;
import dev.shrink4j.quant.algo.DoReFaQuantizer;
import dev.shrink4j.quant.algo.LsqQuantizer;
import dev.shrink4j.quant.algo.NaiveQuantizer;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.quant.algo.QatQuantizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * shrink4j's own algorithms, one {@link AlgorithmSpec} each: the names config files use, with the
 * options each accepts (NNI's names). It is the {@link AlgorithmProvider} listed in this module's
 * {@code META-INF/services}; how training drives each compressor is the compressor's own
 * ({@link dev.shrink4j.compress.protocol}).
 */
public final class BuiltinAlgorithms implements AlgorithmProvider {

    /** The option naming the batches a data-driven pruner collects statistics on (NNI's name). */
    public static final String STATISTICS_BATCH_NUM = "statistics_batch_num";

    /** The option making a filter pruner or Slim dependency-aware (NNI's name). */
    public static final String DEPENDENCY_AWARE = "dependency_aware";

    /** The option ranking a filter pruner's filters across all selected layers (NNI's name). */
    public static final String GLOBAL_SORT = "global_sort";

    /** The observer's default {@code --calibration-batches}: it has no other source of activation ranges. */
    public static final int OBSERVER_CALIBRATION_BATCHES = ObserverQuantizer.DEFAULT_CALIBRATION_BATCHES;

    /** The provider (public for {@link java.util.ServiceLoader}). */
    public BuiltinAlgorithms() {
    }

    /** A new registry holding every built-in algorithm (and no other provider's). */
    public static AlgorithmRegistry registry() {
        AlgorithmRegistry r = new AlgorithmRegistry();
        new BuiltinAlgorithms().algorithms().forEach(r::register);
        return r;
    }

    /** Every built-in algorithm, pruners first. */
    @Override
    public List<AlgorithmSpec> algorithms() {
        List<AlgorithmSpec> r = new ArrayList<>();
        r.add(AlgorithmSpec.of("level", AlgorithmKind.PRUNER, "single weights of smallest magnitude, per layer",
                ctx -> with(LevelPruner.builder(), ctx).build()));
        r.add(filterPruner("l1-filter", "Conv2d filters of smallest L1 norm", L1FilterPruner::builder));
        r.add(filterPruner("l2-filter", "Conv2d filters of smallest L2 norm", L2FilterPruner::builder));
        r.add(filterPruner("fpgm", "Conv2d filters nearest the geometric median of their layer", FpgmPruner::builder));
        r.add(AlgorithmSpec.of("slim", AlgorithmKind.PRUNER,
                        "network slimming: BatchNorm2d channels of smallest |γ| under one global threshold; fine-tuning adds "
                                + "the L1 penalty scale·sign(γ) to γ's gradient",
                        BuiltinAlgorithms::slimPruner)
                .withOption("scale", OptionType.NUMBER).withOption(DEPENDENCY_AWARE, OptionType.BOOLEAN));
        r.add(collectingPruner("taylor-fo", "Conv2d filters by first-order Taylor importance (weight × gradient)²",
                ctx -> withCollecting(TaylorFoWeightFilterPruner.builder(), ctx).build()));
        r.add(collectingPruner("apoz", "Conv2d filters by average percentage of zeros of their activations",
                ctx -> withCollecting(ActivationApozRankFilterPruner.builder(), ctx)
                        .optActivation(ctx.options().getString("activation", "relu")).build())
                .withOption("activation", OptionType.STRING));
        r.add(collectingPruner("mean-activation", "Conv2d filters by mean activation",
                ctx -> withCollecting(ActivationMeanRankFilterPruner.builder(), ctx)
                        .optActivation(ctx.options().getString("activation", "relu")).build())
                .withOption("activation", OptionType.STRING));
        r.add(AlgorithmSpec.of("agp", AlgorithmKind.PRUNER,
                        "automated gradual pruning: sparsity grows along a cubic schedule over the fine-tuning epochs",
                        ctx -> with(AgpPruner.builder(), ctx)
                                .optInitialSparsity(ctx.options().getDouble("initial_sparsity", 0.0))
                                .optSchedule(agpSchedule(ctx.options()))
                                .optPruningAlgorithm(ctx.options().getString("pruning_algorithm", "level")).build())
                .withOption("initial_sparsity", OptionType.NUMBER).withOption("start_epoch", OptionType.NUMBER)
                .withOption("end_epoch", OptionType.NUMBER).withOption("frequency", OptionType.NUMBER)
                .withOption("pruning_algorithm", OptionType.STRING)
                .withOptionCheck(BuiltinAlgorithms::agpSchedule));
        r.add(AlgorithmSpec.of("lottery-ticket", AlgorithmKind.PRUNER,
                        "iterative magnitude pruning over prune_iterations rounds, rewinding to the initial weights",
                        ctx -> with(LotteryTicketPruner.builder(), ctx)
                                .optResetWeights(ctx.options().getBoolean("reset_weights", true)).build())
                .withOption("reset_weights", OptionType.BOOLEAN));
        r.add(AlgorithmSpec.of("naive", AlgorithmKind.QUANTIZER, "8-bit symmetric weights with a growing scale",
                ctx -> with(NaiveQuantizer.builder(), ctx).build()));
        r.add(AlgorithmSpec.of("qat", AlgorithmKind.QUANTIZER,
                        "quantization-aware training: EMA-tracked ranges, fake-quantized weights and activations",
                        ctx -> with(QatQuantizer.builder(), ctx).optEmaDecay(ctx.options().getDouble("ema_decay", 0.99)).build())
                .withOption("ema_decay", OptionType.NUMBER));
        r.add(AlgorithmSpec.of("dorefa", AlgorithmKind.QUANTIZER, "DoReFa-Net weights: tanh-normalised, k-bit uniform",
                ctx -> with(DoReFaQuantizer.builder(), ctx).build()));
        r.add(AlgorithmSpec.of("bnn", AlgorithmKind.QUANTIZER, "binarized weights and activations (sign)",
                ctx -> with(BnnQuantizer.builder(), ctx).build()));
        r.add(AlgorithmSpec.of("lsq", AlgorithmKind.QUANTIZER, "learned step size quantization",
                ctx -> with(LsqQuantizer.builder(), ctx).build()));
        r.add(AlgorithmSpec.of("observer", AlgorithmKind.QUANTIZER,
                        "post-training quantization: min/max observers over calibration batches, then fixed scales",
                        ctx -> ObserverQuantizer.builder().setModel(ctx.model()).setConfigList(ctx.configList()).build())
                .withStatisticsBatches(o -> OBSERVER_CALIBRATION_BATCHES));
        return List.copyOf(r);
    }

    /** A one-shot filter pruner, with the filter pruners' options ({@link #withFilterOptions}). */
    private static <P extends FilterPruner> AlgorithmSpec filterPruner(String name, String description,
            Supplier<FilterPruner.Builder<P>> builder) {
        return AlgorithmSpec.of(name, AlgorithmKind.PRUNER, description, ctx -> withFilterOptions(builder.get(), ctx).build())
                .withOption(DEPENDENCY_AWARE, OptionType.BOOLEAN).withOption(GLOBAL_SORT, OptionType.BOOLEAN);
    }

    /**
     * Slim given the context: {@code scale}, and {@code "dependency_aware": true} ranks the batch norms whose
     * outputs are added on common channels (the model is traced with one sample's input shape).
     */
    private static SlimPruner slimPruner(AlgorithmContext ctx) {
        SlimPruner.Builder builder = with(SlimPruner.builder(), ctx)
                .optScale(ctx.options().getDouble("scale", SlimPruner.DEFAULT_SCALE));
        if (ctx.options().getBoolean(DEPENDENCY_AWARE, false)) {
            builder.optDependencyAware(ctx.inputShape());
        }
        return builder.build();
    }

    /**
     * A filter pruner fed by collected statistics: {@code statistics_batch_num} and the filter pruners'
     * options, needing that many statistics batches.
     */
    private static AlgorithmSpec collectingPruner(String name, String description, AlgorithmSpec.Factory factory) {
        return AlgorithmSpec.of(name, AlgorithmKind.PRUNER, description, factory)
                .withOption(STATISTICS_BATCH_NUM, OptionType.INTEGER).withOption(DEPENDENCY_AWARE, OptionType.BOOLEAN)
                .withOption(GLOBAL_SORT, OptionType.BOOLEAN).withStatisticsBatches(BuiltinAlgorithms::statisticsBatchNum);
    }

    /** {@code builder} with the context's {@code statistics_batch_num} and the filter pruners' options. */
    private static <B extends ScoreCollectingFilterPruner.Builder<B>> B withCollecting(B builder, AlgorithmContext ctx) {
        return withFilterOptions(builder, ctx).optStatisticsBatchNum(ctx.options().getInt(STATISTICS_BATCH_NUM, 1));
    }

    /**
     * {@code builder} given the context, with the options of every filter pruner: {@code "dependency_aware": true}
     * prunes the same channels in convolutions joined by a residual add (the model is traced with one
     * sample's input shape); {@code "global_sort": true} ranks the filters of all selected layers together.
     */
    private static <B extends FilterPruner.BaseBuilder<B>> B withFilterOptions(B builder, AlgorithmContext ctx) {
        with(builder, ctx).optGlobalSort(ctx.options().getBoolean(GLOBAL_SORT, false));
        if (ctx.options().getBoolean(DEPENDENCY_AWARE, false)) {
            builder.optDependencyAware(ctx.inputShape());
        }
        return builder;
    }

    /** {@code builder} given the context's model, config list and optimizer. */
    private static <B extends CompressorBuilder<B>> B with(B builder, AlgorithmContext ctx) {
        return builder.setModel(ctx.model()).setConfigList(ctx.configList()).optOptimizer(ctx.optimizer());
    }

    /** The statistics batches of Taylor, APoZ and mean activation: {@code statistics_batch_num}, default 1. */
    private static int statisticsBatchNum(AlgorithmOptions options) {
        return options.getInt(STATISTICS_BATCH_NUM, 1);
    }

    /**
     * AGP's schedule from a config file's options (defaults: start 0, end 10, frequency 1, NNI's).
     *
     * @throws AlgorithmException naming the option when the options make no valid schedule
     */
    public static AgpSchedule agpSchedule(AlgorithmOptions options) {
        try {
            return AgpSchedule.of(options.getDouble("start_epoch", AgpSchedule.DEFAULT_START_EPOCH),
                    options.getDouble("end_epoch", AgpSchedule.DEFAULT_END_EPOCH),
                    options.getDouble("frequency", AgpSchedule.DEFAULT_FREQUENCY));
        } catch (IllegalArgumentException e) {
            throw new AlgorithmException(e.getMessage(), e);
        }
    }
}
