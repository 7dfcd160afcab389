package dev.shrink4j.search.nni;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/**
 * One epoch of the user's training, run by {@link Admm} with the optimizer it supplies (NNI's {@code trainer}
 * argument): forward, loss, backward and {@code optimizer.step()} per batch. ADMM's penalty gradient and the masks of
 * earlier rounds are attached to the optimizer, so the trainer needs no ADMM code. A workbench {@code Trainer} built
 * with this model and optimizer, or a plain loop, will do.
 */
@FunctionalInterface
public interface EpochTrainer {

    /**
     * Trains {@code model} for one epoch with {@code optimizer}.
     *
     * @param epoch the epoch's number within the ADMM run, from 0
     */
    void trainEpoch(Module model, Optimizer optimizer, int epoch);
}
