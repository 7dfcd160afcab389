package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.Score;

/**
 * What a {@link SimulatedAnnealing} search found.
 *
 * @param bestSparsities the per-layer weight sparsities of the best candidate scored; their weighted total is the target
 * @param bestScore that candidate's score
 * @param temperatures how many temperatures the search went through
 * @param candidatesScored how many candidates were scored (including those replayed from the log)
 * @param worseAccepted how many worse candidates were accepted
 */
public record SimulatedAnnealingResult(double[] bestSparsities, Score bestScore, int temperatures, long candidatesScored,
        long worseAccepted) {

    /** Copies the array. */
    public SimulatedAnnealingResult {
        bestSparsities = bestSparsities.clone();
    }

    /** A copy of the best per-layer sparsities. */
    @Override
    public double[] bestSparsities() {
        return bestSparsities.clone();
    }

    /** The best per-layer keep ratios, {@code 1 − sparsity}. */
    public double[] bestKeepRatios() {
        return Sparsities.keepRatios(bestSparsities);
    }
}
