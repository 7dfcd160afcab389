package dev.shrink4j.prune.importance;

import dev.shrink4j.collect.ChannelStatisticsCollector;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * Output channels scored by a {@link ChannelStatisticsCollector} (NNI's
 * {@code ActivationAPoZRankFilterPrunerMasker}, {@code ActivationMeanRankFilterPrunerMasker} and
 * {@code TaylorFOWeightFilterPrunerMasker}): {@code 1 − APoZ}, the mean activation or the summed Taylor
 * term of each filter, as the collector computes them ({@link ChannelStatisticsCollector#scores}), in
 * double precision. The weight and mask are not looked at; the collector must have seen at least
 * {@code statisticsBatchNum} batches of the layer, otherwise {@link #scores} throws instead of answering
 * "no scores yet" (NNI's {@code None}).
 */
public final class CollectedChannelImportance implements Importance {

    private final ChannelStatisticsCollector collector;
    private final int statisticsBatchNum;

    /**
     * @param collector          where the scores come from
     * @param statisticsBatchNum how many batches each layer needs before it can be scored (≥ 1)
     */
    public CollectedChannelImportance(ChannelStatisticsCollector collector, int statisticsBatchNum) {
        this.collector = Objects.requireNonNull(collector, "collector");
        if (statisticsBatchNum < 1) {
            throw new IllegalArgumentException("statistics_batch_num must be at least 1, got " + statisticsBatchNum);
        }
        this.statisticsBatchNum = statisticsBatchNum;
    }

    /** The collector the scores come from. */
    public ChannelStatisticsCollector collector() {
        return collector;
    }

    /** Batches each layer needs ({@code statistics_batch_num}). */
    public int statisticsBatchNum() {
        return statisticsBatchNum;
    }

    /** Whether the collector has enough batches of {@code layer}. */
    public boolean isReady(String layer) {
        return collector.batches(layer) >= statisticsBatchNum;
    }

    /** {@link Granularity#OUTPUT_UNIT}. */
    @Override
    public Granularity granularity() {
        return Granularity.OUTPUT_UNIT;
    }

    /**
     * The collector's scores of the layer, a double tensor {@code [out]}.
     *
     * @throws IllegalStateException when the collector has seen too few batches of the layer, or scored
     *                               another number of channels than the layer has filters
     */
    @Override
    public Tensor scores(ImportanceInput input) {
        String layer = input.layer();
        long seen = collector.batches(layer);
        if (seen < statisticsBatchNum) {
            throw new IllegalStateException(collector.getClass().getSimpleName() + " has seen " + seen + " batch(es) of "
                    + layer + "; statistics_batch_num is " + statisticsBatchNum);
        }
        double[] scores = collector.scores(layer);
        if (scores.length != input.units()) {
            throw new IllegalStateException(layer + " has " + input.units() + " filters but "
                    + collector.getClass().getSimpleName() + " scored " + scores.length + " channels");
        }
        return Tensor.create(scores, scores.length);
    }
}
