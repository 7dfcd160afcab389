package dev.shrink4j.cli.algo;

import dev.shrink4j.cli.UsageException;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.nn.train.BatchResult;

/**
 * The AGP schedule of an {@code agp} config file, in epochs that may be fractional: {@code start_epoch},
 * {@code end_epoch} and {@code frequency} as NNI names them, where {@code frequency} may also be
 * {@code 1/k} of an epoch (0.5, 0.25, 0.1…) so that a short fine-tune prunes in many small steps.
 *
 * <p>{@link dev.shrink4j.prune.AgpPruner} counts its schedule in calls of {@code updateEpoch}, NNI's
 * interface, and keeps NNI's integer semantics exactly. This class chooses what one count is: with a
 * whole-number {@code frequency} it is one training epoch (NNI's schedule, unchanged); with
 * {@code frequency = 1/k} it is {@code 1/k} of an epoch (a <em>tick</em>): the pruner is built with the
 * epochs multiplied by {@code k} and a frequency of one tick, and {@link #driver()} calls
 * {@code updateEpoch} at each tick boundary inside the epoch, not only at its start. Why: with NNI's
 * per-epoch updates a 2-epoch fine-tune prunes twice, the last time at the very end with no epochs left to
 * recover (LeNet-5, 0.5 → 0.92: −4.1 pt, measured in the README).
 *
 * @param ticksPerEpoch  {@code k}: schedule counts per training epoch (1 for NNI's schedule)
 * @param startTick      {@code start_epoch · k}
 * @param endTick        {@code end_epoch · k}
 * @param frequencyTicks {@code frequency · k} (1 whenever {@code k > 1})
 */
public record AgpSchedule(int ticksPerEpoch, int startTick, int endTick, int frequencyTicks) {

    /** How close to a whole number a scaled epoch must be (0.1 · 10 is not exactly 1 in binary). */
    private static final double TOLERANCE = 1e-9;

    /**
     * The schedule of {@code options} (defaults: start 0, end 10, frequency 1, NNI's).
     *
     * @throws UsageException naming the option when a value is negative, {@code frequency} is neither a
     *                        whole number nor {@code 1/k}, an epoch is not a multiple of a fractional
     *                        frequency, or a value counts more ticks than an int holds
     */
    public static AgpSchedule of(AlgorithmOptions options) {
        double start = options.getDouble("start_epoch", 0);
        double end = options.getDouble("end_epoch", 10);
        double frequency = options.getDouble("frequency", 1);
        if (!(frequency > 0)) {
            throw new UsageException("agp option \"frequency\" must be positive, got " + frequency);
        }
        if (!(start >= 0)) {
            throw new UsageException("agp option \"start_epoch\" must be ≥ 0, got " + start);
        }
        int k;
        if (frequency > Integer.MAX_VALUE) {
            // (int) Math.round(1e20) is −1: the schedule would count backwards instead of failing
            throw new UsageException("agp option \"frequency\" must be at most " + Integer.MAX_VALUE + " epochs, got " + frequency);
        }
        if (isWhole(frequency)) {
            k = 1;
        } else if (frequency < 1 && isWhole(1 / frequency)) {
            k = (int) Math.round(1 / frequency);
        } else {
            throw new UsageException("agp option \"frequency\" must be a whole number of epochs or 1/k of an epoch"
                    + " (0.5, 0.25, 0.1, ...), got " + frequency);
        }
        int startTick = ticks("start_epoch", start, k, frequency);
        int endTick = ticks("end_epoch", end, k, frequency);
        if (endTick <= startTick) {
            throw new UsageException("agp option \"end_epoch\" (" + end + ") must be after \"start_epoch\" (" + start + ")");
        }
        return new AgpSchedule(k, startTick, endTick, k == 1 ? (int) Math.round(frequency) : 1);
    }

    private static int ticks(String option, double epochs, int k, double frequency) {
        double scaled = epochs * k;
        if (scaled > Integer.MAX_VALUE) {
            throw new UsageException("agp option \"" + option + "\" must be at most " + Integer.MAX_VALUE / k
                    + " epochs" + (k == 1 ? "" : " when \"frequency\" is " + frequency) + ", got " + epochs);
        }
        if (!isWhole(scaled)) {
            throw new UsageException("agp option \"" + option + "\" must be " + (k == 1
                    ? "a whole number of epochs when \"frequency\" is, got " + epochs
                    : "a multiple of \"frequency\" (" + frequency + "), got " + epochs));
        }
        return (int) Math.round(scaled);
    }

    private static boolean isWhole(double x) {
        return Math.abs(x - Math.rint(x)) < TOLERANCE;
    }

    /**
     * The training loop's side of the schedule: {@code updateEpoch(epoch · k)} at each epoch start and
     * {@code updateEpoch(epoch · k + j)} once batch {@code ⌈j · batches / k⌉} of the epoch has stepped, for
     * {@code j = 1 … k−1}; the pruner then recomputes its masks at the next optimizer step.
     */
    public Driver driver() {
        int k = ticksPerEpoch;
        return new Driver() {
            @Override
            public void onEpochStart(Compressor compressor, int epoch) {
                compressor.updateEpoch(epoch * k);
            }

            @Override
            public void onBatchEnd(Compressor compressor, BatchResult batch) {
                if (k == 1) {
                    return;
                }
                int before = tickWithinEpoch(batch.batch(), batch.batchCount());
                int after = tickWithinEpoch(batch.batch() + 1, batch.batchCount());
                if (after > before && after < k) {
                    compressor.updateEpoch(batch.epoch() * k + after);
                }
            }

            /** The tick that {@code done} finished batches of {@code count} reach: ⌊done · k / count⌋. */
            private int tickWithinEpoch(int done, int count) {
                return (int) ((long) done * k / count);
            }
        };
    }
}
