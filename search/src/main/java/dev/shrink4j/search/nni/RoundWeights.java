package dev.shrink4j.search.nni;

/**
 * What each pruned layer weighs in an {@link AutoCompress} round's weighted total sparsity, which simulated annealing
 * keeps at the round's target while it moves sparsity between layers.
 */
@FunctionalInterface
public interface RoundWeights {

    /**
     * The weights of round {@code round} (from 0), one positive number per pruned parameter.
     *
     * @param remainingWeights the weights each pruned parameter still has (NNI's weighting)
     */
    long[] weights(int round, long[] remainingWeights);
}
