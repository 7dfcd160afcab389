package dev.shrink4j.nn.optim;

/**
 * Decays each group's learning rate by {@code gamma} every {@code stepSize} epochs (PyTorch's
 * {@code StepLR}): {@code lr = base · gamma^floor(epoch / stepSize)}. With stepSize 2 and gamma 0.1
 * from 1.0, epochs 0..4 get 1, 1, 0.1, 0.1, 0.01.
 */
public final class StepLr extends AbstractLrScheduler {

    private final long stepSize;
    private final double gamma;

    /**
     * Sets epoch 0 (the base rates) on {@code optimizer}.
     *
     * @throws IllegalArgumentException if {@code stepSize < 1} or {@code gamma} is negative or not finite
     */
    public StepLr(Optimizer optimizer, long stepSize, double gamma) {
        super(optimizer, formula(stepSize, gamma));
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    private static Formula formula(long stepSize, double gamma) {
        long period = atLeastOneEpoch("StepLr", "stepSize", stepSize);
        double factor = finiteNonNegative("StepLr", "gamma", gamma);
        return (base, epoch) -> base * Math.pow(factor, Math.floorDiv(epoch, period));
    }

    /** The number of epochs between decays. */
    public long stepSize() {
        return stepSize;
    }

    /** The decay factor. */
    public double gamma() {
        return gamma;
    }
}
