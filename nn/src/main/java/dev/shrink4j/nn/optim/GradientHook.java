package dev.shrink4j.nn.optim;

/**
 * Runs at the start of {@link Optimizer#step()}, after backward and before every {@link StepListener}:
 * it may change the gradients in place, and the step listeners and the update then see the gradients
 * it leaves. Data-parallel training averages the gradients of all processes here, so that compressors'
 * step listeners (a sparsity penalty, a gradient statistic) see the averaged gradients, as one process
 * training on all the batches would. Register with {@link Optimizer#addGradientHook}; the returned
 * handle removes the hook.
 */
@FunctionalInterface
public interface GradientHook {

    /** Called once per step, before any step listener's {@code beforeStep}. */
    void processGradients(Optimizer optimizer);
}
