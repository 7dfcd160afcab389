package dev.shrink4j.amc.lowrank;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.LayerSelection;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.Restructuring;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.ProgressBar;
import java.io.IOException;
import java.nio.file.Path;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Low-rank decomposition as a compressor ({@code "low-rank"} in config files): every selected Conv2d or Linear is
 * physically replaced by a pair of smaller layers ({@link LowRankConv2d}, {@link LowRankLinear}) whose rank a
 * per-layer FLOPs ratio sets ({@link RankBudget}), so the state dict, graph tracing, training and export all see
 * the smaller network.
 *
 * <pre>{@code
 * {"config_list": [{"op_names": ["conv2", "fc1"], "compress_ratio": 0.5, "method": "svd"}]}
 * LowRankCompressor c = LowRankCompressor.builder().setModel(model).setConfigList(list)
 *         .setInputShape(1, 1, 28, 28).build();
 * c.compress();                  // svd/vh: decomposed here; pca/gsvd: after the statistics batches
 * System.out.print(c.report().toTable());
 * }</pre>
 *
 * <p>Config-list keys: {@code op_types}, {@code op_names}, {@code exclude}; {@code compress_ratio} (the share of
 * the layer's FLOPs to keep, in (0, 1], required); {@code method} ({@code svd} default, {@code vh}, {@code pca},
 * {@code gsvd}); {@code accuracy_first} with {@code accuracy_threshold} (in [0, 1]): the rank starts at the ratio's
 * and rises, by bisection up to the largest rank that still shrinks the layer, until the validation accuracy
 * ({@link Builder#optEvaluator}) is at least the threshold; a layer that misses it at every rank is kept.
 *
 * <p>The data-driven methods sample each selected layer's inputs during {@link #statisticsBatches()} forward
 * passes ({@link InputSampler}) and decompose in {@link #finishStatistics()}; all layers sample in the same passes,
 * so each sees the original network's inputs. The svd and vh methods decompose in {@code compress()}.
 *
 * <p>Replacement is structural and is not undone by {@link #unwrap()} (which only removes the sampling hooks and
 * closes the replaced layers): an optimizer built before holds the old parameters, so build a new one for
 * fine-tuning.
 */
public final class LowRankCompressor extends Compressor implements DataDriven, Restructuring {

    private static final Logger LOG = LoggerFactory.getLogger(LowRankCompressor.class);

    /** The config-list keys of this compressor beyond the selection keys. */
    public static final String COMPRESS_RATIO = "compress_ratio";
    /** See {@link #COMPRESS_RATIO}. */
    public static final String METHOD = "method";
    /** See {@link #COMPRESS_RATIO}. */
    public static final String ACCURACY_FIRST = "accuracy_first";
    /** See {@link #COMPRESS_RATIO}. */
    public static final String ACCURACY_THRESHOLD = "accuracy_threshold";

    private final long[] inputShape;
    private final ToDoubleFunction<Module> evaluator;
    private final int statisticsBatches;
    private final int samplesPerImage;
    private final int maxSamples;
    private final long seed;
    private final PrintStream progress;
    private final Map<String, InputSampler> samplers = new LinkedHashMap<>();
    private final List<Module> replaced = new ArrayList<>();
    private final List<LayerReport> rows = new ArrayList<>();
    private Map<String, long[][]> shapes;
    private boolean decomposed;

    private LowRankCompressor(Builder b) {
        super(b);
        this.inputShape = b.inputShape.clone();
        this.evaluator = b.evaluator;
        this.statisticsBatches = b.statisticsBatches;
        this.samplesPerImage = b.samplesPerImage;
        this.maxSamples = b.maxSamples;
        this.seed = b.seed;
        this.progress = b.progress;
    }

    /** A builder: {@code setModel}, {@code setConfigList}, {@code setInputShape} required; the rest optional. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected ConfigSchema configSchema() {
        return ConfigSchema.builder("LowRankCompressor").addAll(ConfigSchema.SELECTION)
                .key(COMPRESS_RATIO, KeySpec.number(0, false, 1, true))
                .key(METHOD, KeySpec.oneOf(LowRankMethod.configNames()))
                .key(ACCURACY_FIRST, KeySpec.bool())
                .key(ACCURACY_THRESHOLD, KeySpec.number(0, true, 1, true))
                .require(COMPRESS_RATIO)
                .allowTypes("decomposes Conv2d and Linear layers only", Conv2d.class, Linear.class)
                .build();
    }

    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        String where = "config_list[" + config.index() + "]: " + layer.name();
        if (layer.module() instanceof LowRankPair) {
            return List.of(where + " is already a low-rank pair; select its children instead");
        }
        List<String> errors = new ArrayList<>();
        boolean accuracyFirst = config.getBoolean(ACCURACY_FIRST, false);
        if (accuracyFirst && !config.has(ACCURACY_THRESHOLD)) {
            errors.add("config_list[" + config.index() + "]." + ACCURACY_FIRST + ": needs " + ACCURACY_THRESHOLD);
        }
        if (accuracyFirst && evaluator == null) {
            errors.add("config_list[" + config.index() + "]." + ACCURACY_FIRST
                    + ": needs an evaluator (LowRankCompressor.Builder.optEvaluator), none was given");
        }
        try {
            LayerCost cost = cost(layer.name(), layer.module(), config);
            RankBudget.rank(layer.name(), ratio(config), cost.macs(), cost.macsPerRank(), cost.maxRank());
        } catch (IllegalArgumentException e) {
            errors.add("config_list[" + config.index() + "]: " + e.getMessage());
        }
        return errors;
    }

    @Override
    protected void wrap(ModuleWrapper wrapper) {
        LowRankMethod method = method(wrapper.config());
        if (!method.dataDriven()) {
            return;
        }
        long features = wrapper.weight().numel() / wrapper.weight().shape()[0];
        InputSampler sampler = new InputSampler(wrapper.module(), features, maxSamples, samplesPerImage,
                seed + samplers.size());
        samplers.put(wrapper.name(), sampler);
        HookHandle hook = sampler.attach();
        wrapper.track(hook);
    }

    @Override
    protected void afterWrap() {
        if (samplers.isEmpty()) {
            decomposeAll();
        }
    }

    @Override
    public int statisticsBatches() {
        return samplers.isEmpty() ? 0 : statisticsBatches;
    }

    @Override
    public StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_EVAL;
    }

    @Override
    public void finishStatistics() {
        if (!decomposed) {
            decomposeAll();
        }
    }

    /**
     * The per-layer report; complete once the layers are decomposed.
     *
     * @throws IllegalStateException before decomposition (a data-driven config before {@link #finishStatistics()})
     */
    public LowRankReport report() {
        if (!decomposed) {
            throw new IllegalStateException("LowRankCompressor has not decomposed yet: call compress()"
                    + (samplers.isEmpty() ? "" : ", run " + statisticsBatches + " statistics batches, then finishStatistics()"));
        }
        return new LowRankReport(rows);
    }

    @Override
    public boolean restructured() {
        return decomposed;
    }

    /** {@link LowRankModels#save}: the state dict with the pairs' keys, and each pair's rank and form in the metadata. */
    @Override
    public void saveModel(Module model, ModelMetadata metadata, Path file) throws IOException {
        report(); // refuses before decomposition, with the reason
        LowRankModels.save(model, metadata, file);
    }

    @Override
    public String reportTable() {
        return report().toTable();
    }

    @Override
    public String reportJson() {
        return report().toJson();
    }

    @Override
    protected void undoAfterWrap() {
        samplers.values().forEach(InputSampler::close);
        samplers.clear();
        replaced.forEach(Module::close);
        replaced.clear();
    }

    // ---------------------------------------------------------------- decomposition

    private void decomposeAll() {
        decomposed = true;
        optimizer().ifPresent(o -> LOG.warn("low-rank replaces layers: the optimizer given to it still holds the replaced"
                + " parameters; build a new one over model().parameters() for fine-tuning"));
        List<LayerSelection> selected = getModulesToCompress();
        int i = 0;
        for (LayerSelection s : selected) {
            i++;
            String name = s.layer().name();
            InputSampler sampler = samplers.get(name);
            if (sampler != null) {
                sampler.stop(); // accuracy trials run forward passes that must not add rows
            }
            LayerReport row;
            try {
                row = decompose(name, s.layer().module(), s.config(), sampler);
            } finally {
                if (sampler != null) {
                    sampler.close();
                }
            }
            rows.add(row);
            showProgress(i, selected.size(), row);
        }
        samplers.clear();
    }

    private LayerReport decompose(String name, Module layer, LayerConfig config, InputSampler sampler) {
        LowRankMethod method = method(config);
        LayerCost cost = cost(name, layer, config);
        long target = RankBudget.rank(name, ratio(config), cost.macs(), cost.macsPerRank(), cost.maxRank());
        try (PointerScope scope = new PointerScope()) {
            Tensor samples = sampler == null ? null : sampler.samples();
            if (samples != null && method.dataDriven() && samples.shape()[0] < 2) {
                throw new IllegalStateException(name + ": method " + method.configName() + " sampled " + samples.shape()[0]
                        + " input row(s); it needs at least 2 (give it statistics batches)");
            }
            double accuracy = Double.NaN;
            long rank = target;
            String note = "";
            if (config.getBoolean(ACCURACY_FIRST, false)) {
                double threshold = config.getDouble(ACCURACY_THRESHOLD, 0);
                long useful = RankBudget.largestUsefulRank(cost.macs(), cost.macsPerRank(), cost.maxRank());
                AccuracySearch search = new AccuracySearch(name, layer, method, samples);
                rank = search.smallestPassingRank(target, useful, threshold);
                accuracy = search.accuracyAt(rank);
                if (rank == 0) {
                    note = "kept: accuracy below " + threshold + " at every rank up to " + useful;
                } else if (rank > target) {
                    note = "rank raised from " + target + " to keep accuracy >= " + threshold;
                }
            }
            if (rank == 0) {
                return new LayerReport(name, method.configName(), 0, cost.maxRank(), cost.flopsBefore(), cost.flopsBefore(),
                        0, 0, Double.NaN, accuracy, note);
            }
            LayerDecomposer.Result r = LayerDecomposer.decompose(name, layer, method, rank, samples);
            replaced.add(ModuleSurgery.replace(model(), name, r.replacement()));
            return new LayerReport(name, method.configName(), rank, cost.maxRank(), cost.flopsBefore(),
                    cost.flopsAfter(rank), r.weightError(), r.relativeWeightError(), r.responseError(), accuracy, note);
        }
    }

    /** Accuracy-first: measures the model with the layer decomposed at a rank, then puts the layer back. */
    private final class AccuracySearch {
        private final String name;
        private final Module layer;
        private final LowRankMethod method;
        private final Tensor samples;
        private final Map<Long, Double> measured = new LinkedHashMap<>();

        AccuracySearch(String name, Module layer, LowRankMethod method, Tensor samples) {
            this.name = name;
            this.layer = layer;
            this.method = method;
            this.samples = samples;
        }

        /** The smallest rank in [target, useful] whose accuracy reaches {@code threshold} (monotone in rank), or 0. */
        long smallestPassingRank(long target, long useful, double threshold) {
            if (accuracyAt(target) >= threshold) {
                return target;
            }
            if (useful <= target || accuracyAt(useful) < threshold) {
                return 0;
            }
            long failing = target;
            long passing = useful;
            while (passing - failing > 1) {
                long mid = failing + (passing - failing) / 2;
                if (accuracyAt(mid) >= threshold) {
                    passing = mid;
                } else {
                    failing = mid;
                }
            }
            return passing;
        }

        /** The validation accuracy with the layer at {@code rank} (0: the layer as it is). */
        double accuracyAt(long rank) {
            return measured.computeIfAbsent(rank, r -> {
                if (r == 0) {
                    return evaluator.applyAsDouble(model());
                }
                Module pair = LayerDecomposer.decompose(name, layer, method, r, samples).replacement();
                ModuleSurgery.replace(model(), name, pair);
                try {
                    double acc = evaluator.applyAsDouble(model());
                    LOG.info("low-rank {}: rank {} -> accuracy {}", name, r, acc);
                    return acc;
                } finally {
                    ModuleSurgery.replace(model(), name, layer);
                    pair.close();
                }
            });
        }
    }

    private void showProgress(int done, int total, LayerReport row) {
        String line = String.format(java.util.Locale.ROOT, "%s %d/%d %s: %s, FLOPs %d -> %d, ‖W−W_r‖ %.4f",
                bar(done, total), done, total, row.layer(),
                row.decomposed() ? row.method() + " rank " + row.rank() : "kept", row.flopsBefore(), row.flopsAfter(),
                row.weightError());
        LOG.info("low-rank {}", line);
        if (progress != null) {
            progress.println("low-rank " + line);
            progress.flush();
        }
    }

    static String bar(int done, int total) {
        return "[" + ProgressBar.cells(done, total, 20, '-') + "]";
    }

    // ---------------------------------------------------------------- config and shapes

    private static LowRankMethod method(LayerConfig config) {
        return LowRankMethod.fromConfig(config.getString(METHOD, LowRankMethod.SVD.configName()));
    }

    private static double ratio(LayerConfig config) {
        return config.getDouble(COMPRESS_RATIO, Double.NaN);
    }

    private LayerCost cost(String name, Module layer, LayerConfig config) {
        long[][] io = shapes().get(name);
        if (io == null) {
            throw new IllegalArgumentException(name + " does not run on an input of shape " + Arrays.toString(inputShape)
                    + " (no forward call reached it)");
        }
        return LayerCost.of(name, layer, method(config), io[0], io[1]);
    }

    /** Input and output shapes of every Conv2d and Linear, from one forward pass of zeros of the input shape. */
    private Map<String, long[][]> shapes() {
        if (shapes != null) {
            return shapes;
        }
        Map<String, long[][]> out = new LinkedHashMap<>();
        List<HookHandle> hooks = new ArrayList<>();
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        try {
            model().namedModules().forEach((name, m) -> {
                modes.put(m, m.isTraining());
                if (m instanceof Conv2d || m instanceof Linear) {
                    hooks.add(m.registerForwardHook((module, x, y) -> {
                        out.putIfAbsent(name, new long[][] {x.shape(), y.shape()});
                        return y;
                    }));
                }
            });
            model().eval();
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                model().call(torch.zeros(inputShape));
            }
        } finally {
            hooks.forEach(HookHandle::remove);
            modes.forEach(Module::train);
        }
        shapes = out;
        return shapes;
    }

    /** Builder for {@link LowRankCompressor}. */
    public static final class Builder extends CompressorBuilder<Builder> {
        private long[] inputShape;
        private ToDoubleFunction<Module> evaluator;
        private int statisticsBatches = 10;
        private int samplesPerImage = 10;
        private int maxSamples = 4000;
        private long seed = 0;
        private PrintStream progress;

        private Builder() {
            super("LowRankCompressor");
        }

        /** One sample's input shape with batch 1 ({@code 1, 1, 28, 28}), for the layers' shapes and FLOPs (required). */
        public Builder setInputShape(long... shape) {
            this.inputShape = shape == null ? null : shape.clone();
            return this;
        }

        /** Validation accuracy of a model, in [0, 1], for entries with {@code accuracy_first}. */
        public Builder optEvaluator(ToDoubleFunction<Module> evaluator) {
            this.evaluator = evaluator;
            return this;
        }

        /** Forward batches that sample the inputs of pca and gsvd layers (default 10). */
        public Builder optStatisticsBatches(int batches) {
            this.statisticsBatches = batches;
            return this;
        }

        /** Output positions sampled per batch of a conv layer (default 10). */
        public Builder optSamplesPerImage(int positions) {
            this.samplesPerImage = positions;
            return this;
        }

        /** The most input rows kept per layer (default 4000). */
        public Builder optMaxSamples(int rows) {
            this.maxSamples = rows;
            return this;
        }

        /** The seed of the sampled positions (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Where to print one progress line per layer (default: none; SLF4J logs it at info level anyway). */
        public Builder optProgress(PrintStream out) {
            this.progress = out;
            return this;
        }

        @Override
        protected void check() {
            super.check();
            requireSet(inputShape, compressorName(), "setInputShape");
            if (inputShape.length < 2 || Arrays.stream(inputShape).anyMatch(s -> s <= 0)) {
                throw new IllegalArgumentException(compressorName() + ": input shape must have a batch and positive sizes, got "
                        + Arrays.toString(inputShape));
            }
            if (statisticsBatches < 1) {
                throw new IllegalArgumentException(compressorName() + ": statistics batches must be at least 1, got "
                        + statisticsBatches);
            }
            if (samplesPerImage < 1 || maxSamples < 2) {
                throw new IllegalArgumentException(compressorName() + ": samples per image must be at least 1 and max samples"
                        + " at least 2, got " + samplesPerImage + " and " + maxSamples);
            }
        }

        /** The compressor (not yet compressed). */
        public LowRankCompressor build() {
            return new LowRankCompressor(this);
        }
    }

    /** Sugar for the builder without options: weight-only methods, no accuracy-first. */
    public LowRankCompressor(Module model, ConfigList configList, Optimizer optimizer, long[] inputShape) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer).setInputShape(inputShape));
    }
}
