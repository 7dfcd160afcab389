package dev.shrink4j.nn.optim;

/**
 * Anneals each group's learning rate from its base rate to {@code etaMin} along half a cosine over
 * {@code tMax} epochs (PyTorch's {@code CosineAnnealingLR}, closed form):
 * {@code lr = etaMin + (base − etaMin)·(1 + cos(π·epoch / tMax)) / 2}. Past {@code tMax} the cosine
 * continues, so the rate rises again (period {@code 2·tMax}), as in PyTorch.
 */
public final class CosineAnnealingLr extends AbstractLrScheduler {

    private final long tMax;
    private final double etaMin;

    /**
     * Sets epoch 0 (the base rates) on {@code optimizer}.
     *
     * @throws IllegalArgumentException if {@code tMax < 1} or {@code etaMin} is negative or not finite
     */
    public CosineAnnealingLr(Optimizer optimizer, long tMax, double etaMin) {
        super(optimizer, formula(tMax, etaMin));
        this.tMax = tMax;
        this.etaMin = etaMin;
    }

    /** Anneals to 0 over {@code tMax} epochs. */
    public CosineAnnealingLr(Optimizer optimizer, long tMax) {
        this(optimizer, tMax, 0.0);
    }

    private static Formula formula(long tMax, double etaMin) {
        atLeastOneEpoch("CosineAnnealingLr", "tMax", tMax);
        finiteNonNegative("CosineAnnealingLr", "etaMin", etaMin);
        // (1 + cos)/2 lies in [0, 1]: the rate is a convex combination of base and etaMin, never negative.
        return (base, epoch) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    /** The number of epochs from the base rate to {@code etaMin}. */
    public long tMax() {
        return tMax;
    }

    /** The minimum learning rate. */
    public double etaMin() {
        return etaMin;
    }
}
