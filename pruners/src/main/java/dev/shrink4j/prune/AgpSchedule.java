package dev.shrink4j.prune;

/**
 * An AGP schedule in epochs that may be fractional: {@code start_epoch}, {@code end_epoch} and
 * {@code frequency} as NNI names them, where {@code frequency} may also be {@code 1/k} of an epoch (0.5,
 * 0.25, 0.1…) so that a short fine-tune prunes in many small steps.
 *
 * <p>{@link AgpPruner} counts its schedule in calls of {@code updateEpoch}, NNI's interface, and keeps
 * NNI's integer semantics exactly. This record chooses what one count is: with a whole-number
 * {@code frequency} it is one training epoch (NNI's schedule, unchanged); with {@code frequency = 1/k} it
 * is {@code 1/k} of an epoch (a <em>tick</em>): the pruner counts the epochs multiplied by {@code k} with
 * a frequency of one tick, and, being {@link dev.shrink4j.compress.protocol.Scheduled}, is moved at each
 * tick boundary inside the epoch, not only at its start. Why: with NNI's per-epoch updates a 2-epoch
 * fine-tune prunes twice, the last time at the very end with no epochs left to recover (LeNet-5,
 * 0.5 → 0.92: −4.1 pt, measured in the README).
 *
 * <pre>{@code
 * AgpPruner agp = AgpPruner.builder().setModel(model).setConfigList(configList).optOptimizer(adam)
 *         .optSchedule(AgpSchedule.of(0, 2, 0.25)).build();   // 8 updates over 2 epochs
 * }</pre>
 *
 * @param ticksPerEpoch  {@code k}: schedule counts per training epoch (1 for NNI's schedule)
 * @param startTick      {@code start_epoch · k}
 * @param endTick        {@code end_epoch · k}
 * @param frequencyTicks {@code frequency · k} (1 whenever {@code k > 1})
 */
public record AgpSchedule(int ticksPerEpoch, int startTick, int endTick, int frequencyTicks) {

    /** How close to a whole number a scaled epoch must be (0.1 · 10 is not exactly 1 in binary). */
    private static final double TOLERANCE = 1e-9;

    /** The default start epoch (NNI's). */
    public static final double DEFAULT_START_EPOCH = 0;

    /** The default end epoch (NNI 2.x: 10 iterations of 1 epoch). */
    public static final double DEFAULT_END_EPOCH = 10;

    /** The default frequency: one update per epoch. */
    public static final double DEFAULT_FREQUENCY = 1;

    /**
     * The schedule of {@code start_epoch}, {@code end_epoch} and {@code frequency}.
     *
     * @throws IllegalArgumentException naming the option when a value is negative, {@code frequency} is
     *                                  neither a whole number nor {@code 1/k}, an epoch is not a multiple of
     *                                  a fractional frequency, or a value counts more ticks than an int holds
     */
    public static AgpSchedule of(double start, double end, double frequency) {
        if (!(frequency > 0)) {
            throw new IllegalArgumentException("agp option \"frequency\" must be positive, got " + frequency);
        }
        if (!(start >= 0)) {
            throw new IllegalArgumentException("agp option \"start_epoch\" must be ≥ 0, got " + start);
        }
        int k;
        if (frequency > Integer.MAX_VALUE) {
            // (int) Math.round(1e20) is −1: the schedule would count backwards instead of failing
            throw new IllegalArgumentException("agp option \"frequency\" must be at most " + Integer.MAX_VALUE
                    + " epochs, got " + frequency);
        }
        if (isWhole(frequency)) {
            k = 1;
        } else if (frequency < 1 && isWhole(1 / frequency)) {
            k = (int) Math.round(1 / frequency);
        } else {
            throw new IllegalArgumentException("agp option \"frequency\" must be a whole number of epochs or 1/k of an epoch"
                    + " (0.5, 0.25, 0.1, ...), got " + frequency);
        }
        int startTick = ticks("start_epoch", start, k, frequency);
        int endTick = ticks("end_epoch", end, k, frequency);
        if (endTick <= startTick) {
            throw new IllegalArgumentException("agp option \"end_epoch\" (" + end + ") must be after \"start_epoch\" ("
                    + start + ")");
        }
        return new AgpSchedule(k, startTick, endTick, k == 1 ? (int) Math.round(frequency) : 1);
    }

    private static int ticks(String option, double epochs, int k, double frequency) {
        double scaled = epochs * k;
        if (scaled > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("agp option \"" + option + "\" must be at most " + Integer.MAX_VALUE / k
                    + " epochs" + (k == 1 ? "" : " when \"frequency\" is " + frequency) + ", got " + epochs);
        }
        if (!isWhole(scaled)) {
            throw new IllegalArgumentException("agp option \"" + option + "\" must be " + (k == 1
                    ? "a whole number of epochs when \"frequency\" is, got " + epochs
                    : "a multiple of \"frequency\" (" + frequency + "), got " + epochs));
        }
        return (int) Math.round(scaled);
    }

    private static boolean isWhole(double x) {
        return Math.abs(x - Math.rint(x)) < TOLERANCE;
    }
}
