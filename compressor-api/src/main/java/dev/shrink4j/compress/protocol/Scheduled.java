package dev.shrink4j.compress.protocol;

/**
 * A compressor whose schedule counts in <em>ticks</em>, {@link #ticksPerEpoch()} per training epoch, so
 * that it may update several times within an epoch (AGP with a fractional {@code frequency}). A training
 * loop calls {@link #onEpochStart(int)} before each epoch and {@link #onBatchEnd(int, int, int)} after
 * each optimizer step; both move the schedule with {@link #updateEpoch(int)} (in ticks).
 *
 * <p>Tick {@code epoch · k} starts each epoch; tick {@code epoch · k + j} follows batch
 * {@code ⌈j · batches / k⌉} of the epoch, for {@code j = 1 … k−1}.
 */
public interface Scheduled {

    /** {@code k}: schedule ticks per training epoch (1: one update per epoch, NNI's schedule). */
    int ticksPerEpoch();

    /** Moves the schedule to tick {@code tick} (the compressor's {@code updateEpoch}). */
    void updateEpoch(int tick);

    /** Before training epoch {@code epoch} (counted from 0): {@code updateEpoch(epoch · k)}. */
    default void onEpochStart(int epoch) {
        updateEpoch(epoch * ticksPerEpoch());
    }

    /**
     * After the optimizer step of batch {@code batch} (counted from 0) of {@code batchCount} in training
     * epoch {@code epoch}: {@code updateEpoch(epoch · k + j)} when this batch crosses tick {@code j < k}.
     */
    default void onBatchEnd(int epoch, int batch, int batchCount) {
        int k = ticksPerEpoch();
        if (k == 1) {
            return;
        }
        int before = tickWithinEpoch(batch, batchCount, k);
        int after = tickWithinEpoch(batch + 1, batchCount, k);
        if (after > before && after < k) {
            updateEpoch(epoch * k + after);
        }
    }

    /** The tick that {@code done} finished batches of {@code count} reach: {@code ⌊done · k / count⌋}. */
    private static int tickWithinEpoch(int done, int count, int k) {
        return (int) ((long) done * k / count);
    }
}
