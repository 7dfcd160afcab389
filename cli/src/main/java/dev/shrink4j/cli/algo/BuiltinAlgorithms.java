package dev.shrink4j.cli.algo;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.prune.ActivationApozRankFilterPruner;
import dev.shrink4j.prune.ActivationMeanRankFilterPruner;
import dev.shrink4j.prune.AgpPruner;
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
import java.util.function.Supplier;

/**
 * shrink4j's own algorithms, one {@link AlgorithmSpec} each: the names config files use, with the
 * options each accepts (NNI's names) and how training drives it.
 */
public final class BuiltinAlgorithms {

    /** The option naming the batches a data-driven pruner collects statistics on (NNI's name). */
    public static final String STATISTICS_BATCH_NUM = "statistics_batch_num";

    /** The option making a filter pruner dependency-aware (NNI's name). */
    public static final String DEPENDENCY_AWARE = "dependency_aware";

    /** The observer's default {@code --calibration-batches}: it has no other source of activation ranges. */
    public static final int OBSERVER_CALIBRATION_BATCHES = 10;

    private BuiltinAlgorithms() {
    }

    /** A new registry holding every built-in algorithm. */
    public static AlgorithmRegistry registry() {
        AlgorithmRegistry r = new AlgorithmRegistry();
        r.register(AlgorithmSpec.of("level", AlgorithmKind.PRUNER, "single weights of smallest magnitude, per layer",
                ctx -> new LevelPruner(ctx.model(), ctx.configList(), ctx.optimizer())));
        r.register(filterPruner("l1-filter", "Conv2d filters of smallest L1 norm", L1FilterPruner::builder));
        r.register(filterPruner("l2-filter", "Conv2d filters of smallest L2 norm", L2FilterPruner::builder));
        r.register(filterPruner("fpgm", "Conv2d filters nearest the geometric median of their layer", FpgmPruner::builder));
        r.register(AlgorithmSpec.of("slim", AlgorithmKind.PRUNER,
                        "network slimming: BatchNorm2d channels of smallest |γ| under one global threshold; fine-tuning adds "
                                + "the L1 penalty scale·sign(γ) to γ's gradient",
                        ctx -> SlimPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList()).optOptimizer(ctx.optimizer())
                                .optScale(ctx.options().getDouble("scale", SlimPruner.DEFAULT_SCALE)).build())
                .withOption("scale", OptionType.NUMBER));
        r.register(AlgorithmSpec.of("taylor-fo", AlgorithmKind.PRUNER,
                        "Conv2d filters by first-order Taylor importance (weight × gradient)²",
                        ctx -> TaylorFoWeightFilterPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                                .optOptimizer(ctx.optimizer()).optStatisticsBatchNum(ctx.options().getInt(STATISTICS_BATCH_NUM, 1))
                                .optGlobalSort(ctx.options().getBoolean("global_sort", false)).build())
                .withOption(STATISTICS_BATCH_NUM, OptionType.INTEGER).withOption("global_sort", OptionType.BOOLEAN)
                .withDriver(new Driver() {
                    @Override
                    public int statisticsBatches(AlgorithmOptions options) {
                        return options.getInt(STATISTICS_BATCH_NUM, 1);
                    }

                    @Override
                    public StatisticsPass statisticsPass() {
                        return StatisticsPass.FORWARD_BACKWARD;
                    }

                    @Override
                    public void afterStatisticsBatch(Compressor c) {
                        ((TaylorFoWeightFilterPruner) c).accumulate();
                    }

                    @Override
                    public void afterStatistics(Compressor c) {
                        ((TaylorFoWeightFilterPruner) c).updateMask();
                    }
                }));
        r.register(AlgorithmSpec.of("apoz", AlgorithmKind.PRUNER,
                        "Conv2d filters by average percentage of zeros of their activations",
                        ctx -> ActivationApozRankFilterPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                                .optOptimizer(ctx.optimizer()).optStatisticsBatchNum(ctx.options().getInt(STATISTICS_BATCH_NUM, 1))
                                .optActivation(ctx.options().getString("activation", "relu")).build())
                .withOption(STATISTICS_BATCH_NUM, OptionType.INTEGER).withOption("activation", OptionType.STRING)
                .withDriver(activationStatistics()));
        r.register(AlgorithmSpec.of("mean-activation", AlgorithmKind.PRUNER, "Conv2d filters by mean activation",
                        ctx -> ActivationMeanRankFilterPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                                .optOptimizer(ctx.optimizer()).optStatisticsBatchNum(ctx.options().getInt(STATISTICS_BATCH_NUM, 1))
                                .optActivation(ctx.options().getString("activation", "relu")).build())
                .withOption(STATISTICS_BATCH_NUM, OptionType.INTEGER).withOption("activation", OptionType.STRING)
                .withDriver(activationStatistics()));
        r.register(AlgorithmSpec.of("agp", AlgorithmKind.PRUNER,
                        "automated gradual pruning: sparsity grows along a cubic schedule over the fine-tuning epochs",
                        ctx -> {
                            AgpSchedule schedule = AgpSchedule.of(ctx.options());
                            return AgpPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                                    .optOptimizer(ctx.optimizer())
                                    .optInitialSparsity(ctx.options().getDouble("initial_sparsity", 0.0))
                                    .optStartEpoch(schedule.startTick()).optEndEpoch(schedule.endTick())
                                    .optFrequency(schedule.frequencyTicks())
                                    .optPruningAlgorithm(ctx.options().getString("pruning_algorithm", "level")).build();
                        })
                .withOption("initial_sparsity", OptionType.NUMBER).withOption("start_epoch", OptionType.NUMBER)
                .withOption("end_epoch", OptionType.NUMBER).withOption("frequency", OptionType.NUMBER)
                .withOption("pruning_algorithm", OptionType.STRING)
                .withDriverOf(options -> AgpSchedule.of(options).driver()));
        r.register(AlgorithmSpec.of("lottery-ticket", AlgorithmKind.PRUNER,
                        "iterative magnitude pruning over prune_iterations rounds, rewinding to the initial weights",
                        ctx -> new LotteryTicketPruner(ctx.model(), ctx.configList(), ctx.optimizer(),
                                ctx.options().getBoolean("reset_weights", true)))
                .withOption("reset_weights", OptionType.BOOLEAN)
                .withDriver(new Driver() {
                    @Override
                    public int rounds(Compressor c) {
                        return ((LotteryTicketPruner) c).pruneIterations() + 1;
                    }

                    @Override
                    public void onRoundStart(Compressor c, int round) {
                        ((LotteryTicketPruner) c).pruneIterationStart();
                    }
                }));
        r.register(AlgorithmSpec.of("naive", AlgorithmKind.QUANTIZER, "8-bit symmetric weights with a growing scale",
                ctx -> new NaiveQuantizer(ctx.model(), ctx.configList(), ctx.optimizer())));
        r.register(AlgorithmSpec.of("qat", AlgorithmKind.QUANTIZER,
                        "quantization-aware training: EMA-tracked ranges, fake-quantized weights and activations",
                        ctx -> QatQuantizer.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                                .optOptimizer(ctx.optimizer()).optEmaDecay(ctx.options().getDouble("ema_decay", 0.99)).build())
                .withOption("ema_decay", OptionType.NUMBER));
        r.register(AlgorithmSpec.of("dorefa", AlgorithmKind.QUANTIZER, "DoReFa-Net weights: tanh-normalised, k-bit uniform",
                ctx -> new DoReFaQuantizer(ctx.model(), ctx.configList(), ctx.optimizer())));
        r.register(AlgorithmSpec.of("bnn", AlgorithmKind.QUANTIZER, "binarized weights and activations (sign)",
                ctx -> new BnnQuantizer(ctx.model(), ctx.configList(), ctx.optimizer())));
        r.register(AlgorithmSpec.of("lsq", AlgorithmKind.QUANTIZER, "learned step size quantization",
                ctx -> new LsqQuantizer(ctx.model(), ctx.configList(), ctx.optimizer())));
        r.register(AlgorithmSpec.of("observer", AlgorithmKind.QUANTIZER,
                        "post-training quantization: min/max observers over calibration batches, then fixed scales",
                        ctx -> new ObserverQuantizer(ctx.model(), ctx.configList()))
                .withDriver(Driver.collecting(o -> OBSERVER_CALIBRATION_BATCHES, StatisticsPass.FORWARD_EVAL,
                        c -> ((ObserverQuantizer) c).fix())));
        return r;
    }

    /**
     * A one-shot filter pruner; {@code "dependency_aware": true} prunes the same channels in
     * convolutions joined by a residual add (the model is traced with one sample's input shape).
     */
    private static AlgorithmSpec filterPruner(String name, String description,
            Supplier<FilterPruner.Builder<? extends FilterPruner>> builder) {
        return AlgorithmSpec.of(name, AlgorithmKind.PRUNER, description, ctx -> {
            FilterPruner.Builder<? extends FilterPruner> b = builder.get().setModel(ctx.model()).setConfigList(ctx.configList())
                    .optOptimizer(ctx.optimizer());
            if (ctx.options().getBoolean(DEPENDENCY_AWARE, false)) {
                b.optDependencyAware(ctx.inputShape());
            }
            return b.build();
        }).withOption(DEPENDENCY_AWARE, OptionType.BOOLEAN);
    }

    /** APoZ and mean activation: forward passes (evaluation mode, so batch norm is untouched), then the masks. */
    private static Driver activationStatistics() {
        return Driver.collecting(o -> o.getInt(STATISTICS_BATCH_NUM, 1), StatisticsPass.FORWARD_EVAL,
                c -> ((ScoreCollectingFilterPruner) c).updateMask());
    }
}
