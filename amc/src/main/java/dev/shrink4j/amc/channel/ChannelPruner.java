package dev.shrink4j.amc.channel;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChannelPruning} as a config-driven pruner ({@code "pruner": "channel-pruning"}), for the training
 * protocol the command line runs: {@code compress()} wraps the selected layers with all-ones masks; the
 * statistics batches ({@link DataDriven}, forward passes in evaluation mode) record the sample images; then
 * {@link #finishStatistics()} prunes and refits every layer whose entry has a {@code compress_ratio} below 1 and
 * writes the dependency-consistent channel masks of the removed channels into the wrappers. The masked model
 * then computes what the physically smaller one will ({@code prune --speedup}, or {@link
 * dev.shrink4j.graph.speedup.ModelSpeedup} on the exported masks), and fine-tuning keeps the removed channels
 * at zero.
 *
 * <p>Config-list entries: {@code op_types}/{@code op_names} (Conv2d, Linear), {@code compress_ratio} (the kept
 * share of the layer's FLOPs, {@code (0, 1]}; default 1: the layer is only a producer whose filters may be
 * removed). The first layer is never pruned (its input is the model's). Every layer whose filters produce
 * removed channels must be selected too, so that it has masks: {@code "op_types": ["Conv2d", "Linear"]}.
 */
public final class ChannelPruner extends Pruner implements DataDriven {

    /** The config-list key of the kept FLOPs share. */
    public static final String COMPRESS_RATIO = "compress_ratio";
    /** Statistics batches recorded by default. */
    public static final int DEFAULT_STATISTICS_BATCHES = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ChannelPruner.class);

    private final int statisticsBatchNum;
    private final double trainsetRatio;
    private final ChannelPruning.Builder engine;
    private final boolean accuracyFirst;
    private final double accuracyThreshold;
    private final ToDoubleFunction<Module> evaluator;
    private final List<float[]> images = new ArrayList<>();
    private final List<long[]> imageShapes = new ArrayList<>();
    private HookHandle recorder;
    private ChannelPruningResult result;

    private ChannelPruner(Builder b) {
        super(b, (sparsity, wrapper) -> Masks.of(torch.ones_like(wrapper.weight())));   // masks come from finishStatistics
        this.statisticsBatchNum = b.statisticsBatchNum;
        this.trainsetRatio = b.trainsetRatio;
        this.engine = b.engine;
        this.accuracyFirst = b.accuracyFirst;
        this.accuracyThreshold = b.accuracyThreshold;
        this.evaluator = b.evaluator;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected ConfigSchema configSchema() {
        return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.SELECTION)
                .key(COMPRESS_RATIO, KeySpec.number(0, false, 1, true))
                .allowTypes("prunes the input channels of Conv2d and Linear layers", Conv2d.class, Linear.class).build();
    }

    /** A selected layer must have a weight; a Conv2d must not be grouped. */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        if (layer.module() instanceof Conv2d c && c.groups() != 1) {
            errors.add("config_list[" + config.index() + "]: " + layer.name() + " (Conv2d) has groups=" + c.groups()
                    + "; channel pruning refits ungrouped convolutions only");
        }
        return errors;
    }

    /** Starts recording the model's inputs; the masks stay all ones until {@link #finishStatistics()}. */
    @Override
    protected void afterWrap() {
        recorder = model().registerForwardPreHook((m, x) -> {
            if (images.size() < statisticsBatchNum) {
                float[] values = new float[(int) x.numel()];
                x.detach().to(torch.ScalarType.Float).contiguous().data_ptr_float().get(values);
                images.add(values);
                imageShapes.add(x.shape());
            }
            return x;
        });
    }

    @Override
    protected void undoAfterWrap() {
        if (recorder != null) {
            recorder.remove();
        }
        images.clear();
        imageShapes.clear();
    }

    @Override
    public int statisticsBatches() {
        return statisticsBatchNum;
    }

    @Override
    public StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_EVAL;
    }

    /**
     * Prunes and refits the layers from the recorded images and copies the channel masks into the wrappers.
     *
     * @throws IllegalStateException when no image was recorded
     * @throws IllegalArgumentException naming every layer that cannot be pruned (see {@link ChannelPruning}), such as
     *                                  one whose producing layer no entry selects (nothing changes then)
     */
    @Override
    public void finishStatistics() {
        requireCompressed();
        recorder.remove();
        if (images.isEmpty()) {
            throw new IllegalStateException("ChannelPruner: no statistics batch was recorded; run statisticsBatches() = "
                    + statisticsBatchNum + " forward passes first");
        }
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (ModuleWrapper w : getModulesWrapper()) {
            double ratio = w.config().getDouble(COMPRESS_RATIO, 1.0);
            if (ratio < 1) {
                ratios.put(w.name(), ratio);
            }
        }
        if (ratios.isEmpty()) {
            LOG.info("ChannelPruner: no selected layer has a compress_ratio below 1; nothing to prune");
            return;
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            List<Tensor> batches = sampleBatches();
            ChannelPruning.Builder b = engine.setModel(model()).setSampleBatches(batches).setLayerRatios(ratios)
                    .optSkipPinnedInputs(true).optShrink(false).optMaskSink(this::copyMasks)
                    .optMaskableLayers(getModulesWrapper().stream().map(ModuleWrapper::name).collect(java.util.stream.Collectors.toSet()));
            ToDoubleFunction<Module> eval = evaluator != null ? evaluator : agreementWith(model(), batches);
            if (accuracyFirst) {
                b.optAccuracyFirst(eval, accuracyThreshold);
            } else {
                b.optEvaluator(eval);
            }
            result = b.build().prune();
        } finally {
            images.clear();
            imageShapes.clear();
        }
    }

    /** The first {@code trainset_ratio} of the recorded images (at least one), as batches. */
    private List<Tensor> sampleBatches() {
        long total = imageShapes.stream().mapToLong(s -> s[0]).sum();
        long wanted = Math.max(1, Math.round(trainsetRatio * total));
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < images.size() && wanted > 0; i++) {
            long[] shape = imageShapes.get(i);
            Tensor t = Tensor.create(images.get(i), shape);
            long take = Math.min(wanted, shape[0]);
            out.add(take == shape[0] ? t : t.narrow(0, 0, take));
            wanted -= take;
        }
        return out;
    }

    /**
     * Without an evaluator of the caller's, "accuracy" is the share of sample images on which the model's top-1
     * prediction agrees with the original model's (the statistics batches carry no labels).
     */
    private static ToDoubleFunction<Module> agreementWith(Module model, List<Tensor> batches) {
        List<Tensor> original = new ArrayList<>();
        boolean wasTraining = model.isTraining();
        model.eval();
        for (Tensor b : batches) {
            original.add(model.call(b).argmax(new org.bytedeco.pytorch.LongOptional(1), false));
        }
        model.train(wasTraining);
        return m -> {
            long agree = 0;
            long total = 0;
            try (PointerScope scope = new PointerScope()) {
                for (int i = 0; i < batches.size(); i++) {
                    Tensor p = m.call(batches.get(i)).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
                    agree += p.eq(original.get(i)).sum().item_long();
                    total += p.size(0);
                }
            }
            return (double) agree / total;
        };
    }

    private void copyMasks(Map<String, Tensor> masks) {
        Map<String, ModuleWrapper> wrappers = new LinkedHashMap<>();
        getModulesWrapper().forEach(w -> wrappers.put(w.name(), w));
        List<String> missing = new ArrayList<>();
        masks.keySet().forEach(key -> {
            String layer = key.substring(0, key.lastIndexOf('.'));
            if (!wrappers.containsKey(layer) && !missing.contains(layer)) {
                missing.add(layer);
            }
        });
        if (!missing.isEmpty()) {
            throw new IllegalStateException("ChannelPruner: " + String.join(", ", missing) + " lose(s) channels that a pruned "
                    + "layer no longer reads, but no config_list entry selects them, so they have no masks; select them too "
                    + "(an entry without compress_ratio only lets their filters go)");
        }
        masks.forEach((key, mask) -> {
            String layer = key.substring(0, key.lastIndexOf('.'));
            wrappers.get(layer).getBuffer(key.substring(key.lastIndexOf('.') + 1)).copy_(mask);
        });
    }

    /** What the pruning did (empty before {@link #finishStatistics()}, or when no layer had a ratio below 1). */
    public java.util.Optional<ChannelPruningResult> result() {
        return java.util.Optional.ofNullable(result);
    }

    /**
     * Builder of {@link ChannelPruner}: {@code setModel}, {@code setConfigList} required, the rest optional; the
     * pruning settings are {@link ChannelPruning.Builder}'s ({@link #pruning()}).
     */
    public static final class Builder extends CompressorBuilder<Builder> {
        private int statisticsBatchNum = DEFAULT_STATISTICS_BATCHES;
        private double trainsetRatio = 1.0;
        private final ChannelPruning.Builder engine = ChannelPruning.builder();
        private boolean accuracyFirst;
        private double accuracyThreshold = Double.NaN;
        private ToDoubleFunction<Module> evaluator;

        private Builder() {
            super("ChannelPruner");
        }

        /**
         * The pruning settings to adjust ({@code optSelection}, {@code optChannelRound},
         * {@code optSampledPixelsPerImage}, {@code optLarsAlphaInit}, {@code optSeed}, {@code optProgress}); the model,
         * samples, ratios and accuracy settings are this builder's.
         */
        public ChannelPruning.Builder pruning() {
            return engine;
        }

        /** The statistics batches whose images are sampled (default {@value #DEFAULT_STATISTICS_BATCHES}). */
        public Builder optStatisticsBatchNum(int batches) {
            this.statisticsBatchNum = batches;
            return this;
        }

        /** The share of the recorded images used, {@code (0, 1]} (default 1). */
        public Builder optTrainsetRatio(double ratio) {
            this.trainsetRatio = ratio;
            return this;
        }

        /**
         * Accuracy-first: a layer whose pruning brings the evaluator's accuracy below {@code threshold} keeps all
         * its channels.
         */
        public Builder optAccuracyFirst(double threshold) {
            this.accuracyFirst = true;
            this.accuracyThreshold = threshold;
            return this;
        }

        /**
         * The validation accuracy of a model (default: top-1 agreement with the original model on the sample
         * images, which carry no labels).
         */
        public Builder optEvaluator(ToDoubleFunction<Module> evaluator) {
            this.evaluator = evaluator;
            return this;
        }

        @Override
        protected void check() {
            super.check();
            if (statisticsBatchNum < 1) {
                throw new IllegalArgumentException("ChannelPruner: statistics_batch_num must be at least 1, got " + statisticsBatchNum);
            }
            if (!(trainsetRatio > 0 && trainsetRatio <= 1)) {
                throw new IllegalArgumentException("ChannelPruner: trainset_ratio " + trainsetRatio + " is outside (0, 1]");
            }
            if (accuracyFirst && Double.isNaN(accuracyThreshold)) {
                throw new IllegalArgumentException("ChannelPruner: accuracy_first needs accuracy_threshold");
            }
            engine.checkOptions("ChannelPruner");
        }

        /**
         * The pruner (call {@code compress()} on it).
         *
         * @throws IllegalArgumentException naming the first missing or invalid setting
         */
        public ChannelPruner build() {
            return new ChannelPruner(this);
        }
    }
}
