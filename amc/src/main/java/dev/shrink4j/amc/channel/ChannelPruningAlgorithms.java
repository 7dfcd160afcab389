package dev.shrink4j.amc.channel;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmException;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmOptions;
import dev.shrink4j.algorithms.AlgorithmProvider;
import dev.shrink4j.algorithms.AlgorithmSpec;
import dev.shrink4j.algorithms.OptionType;
import java.util.List;

/**
 * The {@link AlgorithmProvider} of channel pruning, listed in this module's {@code META-INF/services}:
 * {@code {"pruner": "channel-pruning", "selection": "lasso", "config_list": [{"op_types": ["Conv2d", "Linear"],
 * "compress_ratio": 0.5}]}}. Options (all optional): {@code selection} ({@code lasso} | {@code l1}),
 * {@code channel_round}, {@code statistics_batch_num} (batches whose images are sampled, default 16),
 * {@code trainset_ratio} (the share of those images used), {@code sampled_pixels_per_img}, {@code lars_alpha_init},
 * {@code lars_alpha_warm_start} (default true: each layer's α search starts at the previous layer's final α),
 * {@code seed}, {@code accuracy_first} with {@code accuracy_threshold} (top-1 agreement with the original model
 * on the sample images, in {@code [0, 1]}).
 */
public final class ChannelPruningAlgorithms implements AlgorithmProvider {

    /** The config-file name. */
    public static final String NAME = "channel-pruning";

    /** The provider (public for {@link java.util.ServiceLoader}). */
    public ChannelPruningAlgorithms() {
    }

    @Override
    public List<AlgorithmSpec> algorithms() {
        return List.of(AlgorithmSpec.of(NAME, AlgorithmKind.PRUNER,
                        "channel pruning with least-squares reconstruction (He 2017 LASSO selection, or AMC's L1): input channels "
                                + "of Conv2d/Linear layers at a kept FLOPs share, producers' filters removed",
                        ChannelPruningAlgorithms::pruner)
                .withOption("selection", OptionType.STRING).withOption("channel_round", OptionType.INTEGER)
                .withOption("statistics_batch_num", OptionType.INTEGER).withOption("trainset_ratio", OptionType.NUMBER)
                .withOption("sampled_pixels_per_img", OptionType.INTEGER).withOption("lars_alpha_init", OptionType.NUMBER)
                .withOption("lars_alpha_warm_start", OptionType.BOOLEAN)
                .withOption("seed", OptionType.INTEGER).withOption("accuracy_first", OptionType.BOOLEAN)
                .withOption("accuracy_threshold", OptionType.NUMBER)
                .withStatisticsBatches(o -> o.getInt("statistics_batch_num", ChannelPruner.DEFAULT_STATISTICS_BATCHES))
                .withOptionCheck(ChannelPruningAlgorithms::check));
    }

    private static ChannelPruner pruner(AlgorithmContext ctx) {
        AlgorithmOptions o = ctx.options();
        ChannelPruner.Builder b = ChannelPruner.builder().setModel(ctx.model()).setConfigList(ctx.configList())
                .optOptimizer(ctx.optimizer())
                .optStatisticsBatchNum(o.getInt("statistics_batch_num", ChannelPruner.DEFAULT_STATISTICS_BATCHES))
                .optTrainsetRatio(o.getDouble("trainset_ratio", 1.0));
        b.pruning().optSelection(ChannelSelection.of(o.getString("selection", ChannelSelection.LASSO.key())))
                .optChannelRound(o.getInt("channel_round", 1))
                .optSampledPixelsPerImage(o.getInt("sampled_pixels_per_img", ChannelPruning.DEFAULT_PIXELS_PER_IMAGE))
                .optLarsAlphaInit(o.getDouble("lars_alpha_init", LassoSelection.DEFAULT_ALPHA_INIT))
                .optLarsAlphaWarmStart(o.getBoolean("lars_alpha_warm_start", true))
                .optSeed(o.getInt("seed", 0)).optProgress(ChannelPruning.Progress.bar(System.err));
        if (o.getBoolean("accuracy_first", false)) {
            b.optAccuracyFirst(o.getDouble("accuracy_threshold", Double.NaN));
        }
        return b.build();
    }

    /** The options together: known selection, ranges, accuracy_first with its threshold. */
    private static void check(AlgorithmOptions o) {
        try {
            ChannelSelection.of(o.getString("selection", ChannelSelection.LASSO.key()));
        } catch (IllegalArgumentException e) {
            throw new AlgorithmException(e.getMessage(), e);
        }
        double ratio = o.getDouble("trainset_ratio", 1.0);
        if (!(ratio > 0 && ratio <= 1)) {
            throw new AlgorithmException("trainset_ratio " + ratio + " is outside (0, 1]");
        }
        for (String positive : new String[] {"channel_round", "statistics_batch_num", "sampled_pixels_per_img"}) {
            if (o.has(positive) && o.getInt(positive, 1) < 1) {
                throw new AlgorithmException(positive + " must be at least 1, got " + o.getInt(positive, 1));
            }
        }
        if (o.has("lars_alpha_init") && !(o.getDouble("lars_alpha_init", 1) > 0)) {
            throw new AlgorithmException("lars_alpha_init must be positive, got " + o.getDouble("lars_alpha_init", 1));
        }
        if (o.getBoolean("accuracy_first", false) && !o.has("accuracy_threshold")) {
            throw new AlgorithmException("accuracy_first needs accuracy_threshold (top-1 agreement with the original model, 0 to 1)");
        }
    }
}
