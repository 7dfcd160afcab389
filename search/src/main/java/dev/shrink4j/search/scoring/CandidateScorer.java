package dev.shrink4j.search.scoring;

import java.util.Arrays;
import java.util.List;

/**
 * Turns per-layer keep ratios into a scored candidate. The search loops see the model only through this interface:
 * the real implementation prunes a copy of the model to the ratios, recalibrates BatchNorm and evaluates it on a
 * held-out split; tests use synthetic scorers with known optima.
 *
 * <p>Ratio {@code i} is the share of prunable layer {@code i}'s output channels (or weights, for the NNI loops that
 * prune weights) that is kept: {@code 1 − sparsity}. Arrays passed in are never modified and never kept.
 */
public interface CandidateScorer {

    /** The number of prunable layers, i.e. the length of every keep-ratio array. */
    int layerCount();

    /**
     * Prunes to {@code keepRatios} and scores the result. May be expensive (an evaluation pass).
     *
     * @param keepRatios one ratio per prunable layer, each in (0, 1]
     */
    Score score(double[] keepRatios);

    /**
     * The FLOPs of the model pruned to {@code keepRatios} over the unpruned model's, without evaluating it; cheap,
     * so searches call it to reject over-budget candidates before scoring them.
     */
    double flopsRatio(double[] keepRatios);

    /**
     * What identifies the model {@code keepRatios} prune to: two ratio arrays with equal keys give the same pruned
     * model and the same score, so a search that rejects duplicates scores only the first of them. The default is the
     * ratios themselves; a scorer that rounds ratios to whole channels answers the channels it keeps, so that ratios
     * rounding alike (or differing only in a layer whose input cannot be pruned) are one candidate.
     */
    default List<? extends Number> candidateKey(double[] keepRatios) {
        return Arrays.stream(keepRatios).boxed().toList();
    }
}
