package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.Score;

/**
 * What a {@link NetAdapt} search reached.
 *
 * @param sparsities the per-layer weight sparsities it ended with
 * @param score the score of the last candidate kept (null when none was kept)
 * @param prunedWeights how many weights those sparsities prune
 * @param targetWeights how many weights the target sparsity asked for
 * @param iterations how many iterations (kept candidates and halvings) ran
 * @param finalStep the step, in weights, when the search ended (below the floor when it stopped short of the target)
 */
public record NetAdaptResult(double[] sparsities, Score score, long prunedWeights, long targetWeights, int iterations,
        long finalStep) {

    /** Copies the array. */
    public NetAdaptResult {
        sparsities = sparsities.clone();
    }

    /** A copy of the per-layer sparsities. */
    @Override
    public double[] sparsities() {
        return sparsities.clone();
    }

    /** Whether the target was reached. */
    public boolean reachedTarget() {
        return prunedWeights >= targetWeights;
    }
}
