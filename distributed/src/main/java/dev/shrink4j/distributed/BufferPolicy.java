package dev.shrink4j.distributed;

/**
 * How {@link DataParallel} keeps one kind of compressor buffer identical on every rank. A buffer's
 * policy comes from the first rule whose prefix starts its name ({@link DataParallel.Builder#optBufferPolicy});
 * the defaults are {@code tracked_min_} → {@link #MIN}, {@code tracked_max_} → {@link #MAX} (observer
 * ranges) and {@link #FROM_RANK_ZERO} for every other buffer.
 */
public enum BufferPolicy {
    /**
     * All-reduced to the smallest value of any rank before each optimizer step, before compressors' step
     * listeners run. For running minima (an exponential moving average of batch minima too: the fold is
     * monotonic, so the minimum over ranks of the folded values is the fold of the union batch's minimum).
     */
    MIN,
    /** All-reduced to the largest value of any rank before each optimizer step; see {@link #MIN}. */
    MAX,
    /** Averaged over the ranks before each optimizer step (running means over equal-sized batches). */
    AVERAGE,
    /**
     * Rank 0's value: after each optimizer step (after compressors' step listeners), a buffer whose digest
     * differs between ranks is broadcast from rank 0. For what each rank computes from its own data and
     * cannot be reduced: masks from collected statistics, scales a forward stored.
     */
    FROM_RANK_ZERO
}
