package dev.shrink4j.nn.optim;

/**
 * Observes {@link Optimizer#step()}: compressors hook in here (re-apply masks after a step, add a
 * sparsity penalty to gradients before it, count steps for {@code quant_start_step}). Register with
 * {@link Optimizer#addStepListener}; the returned handle removes the listener.
 */
public interface StepListener {

    /** Called after gradients are computed and before parameters change. */
    default void beforeStep(Optimizer optimizer) {
    }

    /** Called after parameters changed. */
    default void afterStep(Optimizer optimizer) {
    }
}
