package dev.shrink4j.prune.maskers;

import dev.shrink4j.collect.ChannelStatisticsCollector;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Prunes the filters a {@link ChannelStatisticsCollector} scores lowest (NNI's
 * {@code ActivationAPoZRankFilterPrunerMasker}, {@code ActivationMeanRankFilterPrunerMasker} and
 * {@code TaylorFOWeightFilterPrunerMasker.get_mask}): of a layer's {@code n} filters the
 * {@code floor(n·s)} with the lowest scores (lower index first on equal scores, {@link Ranking}) get
 * a zero mask on all their weights and on their bias; the layer's current masks are the base, so a
 * filter pruned before stays pruned.
 *
 * <p>The collector must have seen at least {@code statisticsBatchNum} batches of the layer; otherwise
 * the masker throws instead of returning "no mask yet" (NNI's {@code None}).
 */
public final class CollectedScoreFilterMasker implements WeightMasker {

    private final ChannelStatisticsCollector collector;
    private final int statisticsBatchNum;

    /**
     * @param collector          where the scores come from
     * @param statisticsBatchNum how many batches each layer needs before its mask can be computed (≥ 1)
     */
    public CollectedScoreFilterMasker(ChannelStatisticsCollector collector, int statisticsBatchNum) {
        this.collector = Objects.requireNonNull(collector, "collector");
        if (statisticsBatchNum < 1) {
            throw new IllegalArgumentException("statistics_batch_num must be at least 1, got " + statisticsBatchNum);
        }
        this.statisticsBatchNum = statisticsBatchNum;
    }

    /** Whether the collector has enough batches of {@code wrapper}'s layer. */
    public boolean isReady(ModuleWrapper wrapper) {
        return collector.batches(wrapper.name()) >= statisticsBatchNum;
    }

    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        long seen = collector.batches(wrapper.name());
        if (seen < statisticsBatchNum) {
            throw new IllegalStateException(collector.getClass().getSimpleName() + " has seen " + seen + " batch(es) of "
                    + wrapper.name() + "; statistics_batch_num is " + statisticsBatchNum);
        }
        double[] scores = collector.scores(wrapper.name());
        if (scores.length != wrapper.weight().size(0)) {
            throw new IllegalStateException(wrapper.name() + " has " + wrapper.weight().size(0) + " filters but "
                    + collector.getClass().getSimpleName() + " scored " + scores.length + " channels");
        }
        return onBaseMasks(wrapper, Ranking.keepMask(Tensor.create(scores, scores.length), sparsity));
    }

    /**
     * The layer's current masks with the filters where {@code filterKeep} is 0 pruned as well:
     * {@code weight_mask · expand(filterKeep)} and {@code bias_mask · filterKeep}.
     */
    public static Masks onBaseMasks(ModuleWrapper wrapper, Tensor filterKeep) {
        Tensor weightMask = wrapper.getBuffer(Masks.WEIGHT_MASK);
        Tensor keep = filterKeep.to(weightMask.scalar_type());
        Tensor newWeight = weightMask.mul(Ranking.expandToWeight(keep, weightMask));
        Tensor newBias = wrapper.hasBuffer(Masks.BIAS_MASK) ? wrapper.getBuffer(Masks.BIAS_MASK).mul(keep) : null;
        return new Masks(newWeight, newBias);
    }
}
