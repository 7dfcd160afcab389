package dev.shrink4j.search.core;

/**
 * Scores per-layer keep ratios (one per prunable layer, in the environment's order): the reward a search
 * maximises, e.g. {@link CandidateEvaluator}'s accuracy of the pruned copy, or a cheap synthetic function in
 * tests.
 */
@FunctionalInterface
public interface CandidateScorer {

    /** The reward of {@code keepRatios} (higher is better; finite). */
    double score(double[] keepRatios);
}
