package dev.shrink4j.search.genetic;

import dev.shrink4j.search.scoring.Score;

/**
 * What a {@link GeneticTuner} found.
 *
 * @param bestKeepRatios the per-layer keep ratios of the best candidate ever scored
 * @param bestScore that candidate's score
 * @param bestRewardPerGeneration the best reward seen up to and including each generation (generation 0 is the random
 *     population); never decreases
 * @param candidatesScored how many distinct candidates were scored (including those replayed from the log)
 * @param candidatesReplayed how many of them were answered from the log of an earlier run
 */
public record GeneticResult(double[] bestKeepRatios, Score bestScore, double[] bestRewardPerGeneration,
        long candidatesScored, long candidatesReplayed) {

    /** Copies the arrays. */
    public GeneticResult {
        bestKeepRatios = bestKeepRatios.clone();
        bestRewardPerGeneration = bestRewardPerGeneration.clone();
    }

    /** A copy of the best per-layer keep ratios. */
    @Override
    public double[] bestKeepRatios() {
        return bestKeepRatios.clone();
    }

    /** A copy of the best reward after each generation. */
    @Override
    public double[] bestRewardPerGeneration() {
        return bestRewardPerGeneration.clone();
    }
}
