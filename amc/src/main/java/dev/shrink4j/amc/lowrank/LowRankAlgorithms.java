package dev.shrink4j.amc.lowrank;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmProvider;
import dev.shrink4j.algorithms.AlgorithmSpec;
import dev.shrink4j.algorithms.ModelRestorer;
import dev.shrink4j.algorithms.OptionType;
import dev.shrink4j.nn.Module;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Registers {@code "low-rank"} ({@link LowRankCompressor}) with the algorithm registry through
 * {@code META-INF/services/dev.shrink4j.algorithms.AlgorithmProvider}, so config files name it:
 * {@code {"pruner": "low-rank", "config_list": [{"op_names": ["conv2", "fc1"], "compress_ratio": 0.5}]}}.
 * Options: {@code statistics_batches}, {@code samples_per_image}, {@code max_samples}, {@code seed} (the
 * data-driven methods' sampling). Marked restructuring; its {@link ModelRestorer} reloads saved low-rank models.
 */
public final class LowRankAlgorithms implements AlgorithmProvider {

    /** The name config files use. */
    public static final String NAME = "low-rank";
    /** Default statistics batches of the data-driven methods. */
    static final int DEFAULT_STATISTICS_BATCHES = 10;

    /** For {@link java.util.ServiceLoader}. */
    public LowRankAlgorithms() {
    }

    @Override
    public List<AlgorithmSpec> algorithms() {
        return List.of(AlgorithmSpec.of(NAME, AlgorithmKind.PRUNER,
                        "low-rank decomposition: each selected Conv2d/Linear becomes two smaller layers at a FLOPs ratio"
                                + " (svd, vh, pca, gsvd)",
                        LowRankAlgorithms::create)
                .withOption("statistics_batches", OptionType.INTEGER)
                .withOption("samples_per_image", OptionType.INTEGER)
                .withOption("max_samples", OptionType.INTEGER)
                .withOption("seed", OptionType.INTEGER)
                // known before the compressor exists: the most a config can ask for (svd/vh ask for none)
                .withStatisticsBatches(o -> o.getInt("statistics_batches", DEFAULT_STATISTICS_BATCHES))
                .withRestructuring());
    }

    /** Files with {@value LowRankModels#LOW_RANK_LAYERS} in their metadata load through {@link LowRankModels#load}. */
    @Override
    public List<ModelRestorer> modelRestorers() {
        return List.of(new ModelRestorer() {
            @Override
            public String metadataKey() {
                return LowRankModels.LOW_RANK_LAYERS;
            }

            @Override
            public Module restore(Path file, Module architecture) throws IOException {
                return LowRankModels.load(file, architecture);
            }
        });
    }

    private static LowRankCompressor create(AlgorithmContext ctx) {
        return LowRankCompressor.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                .optOptimizer(ctx.optimizer()).setInputShape(ctx.inputShape()).optEvaluator(ctx.evaluator())
                .optStatisticsBatches(ctx.options().getInt("statistics_batches", DEFAULT_STATISTICS_BATCHES))
                .optSamplesPerImage(ctx.options().getInt("samples_per_image", 10))
                .optMaxSamples(ctx.options().getInt("max_samples", 4000))
                .optSeed(ctx.options().getInt("seed", 0))
                .optProgress(System.err)
                .build();
    }
}
