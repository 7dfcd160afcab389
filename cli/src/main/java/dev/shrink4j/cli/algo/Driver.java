package dev.shrink4j.cli.algo;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.nn.train.BatchResult;

/**
 * How a training loop drives one algorithm, beyond what {@link Compressor} does by itself
 * (optimizer-step hooks are installed by {@code compress()}): statistics batches before the masks
 * are computed, a call after them, and the epoch schedule. Defaults suit weight-based one-shot
 * algorithms.
 */
public interface Driver {

    /** Weight-based algorithms: nothing to feed, {@link Compressor#updateEpoch} at each epoch start. */
    Driver WEIGHT_BASED = new Driver() {
    };

    /**
     * Batches of training data the algorithm needs before its masks are final (its
     * {@code statistics_batch_num}); 0 for weight-based algorithms. For quantizers, the default of
     * {@code --calibration-batches} (the observer's calibration; 0 for quantizers whose ranges come
     * from fine-tuning).
     */
    default int statisticsBatches(AlgorithmOptions options) {
        return 0;
    }

    /** How statistics (or calibration) batches run. */
    default StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_TRAIN;
    }

    /** Called after each statistics batch (after its backward pass, before the gradients are cleared). */
    default void afterStatisticsBatch(Compressor compressor) {
    }

    /**
     * Called after the statistics batches (data-driven pruners compute their masks here); for
     * quantizers, after the calibration batches, also when there were none (the observer fixes its
     * ranges here).
     */
    default void afterStatistics(Compressor compressor) {
    }

    /**
     * Training rounds: the fine-tuning epochs run once per round (iterative pruning such as the
     * lottery ticket runs several). Default 1.
     */
    default int rounds(Compressor compressor) {
        return 1;
    }

    /** Called before each round (counted from 0), before its epochs. Default: nothing. */
    default void onRoundStart(Compressor compressor, int round) {
    }

    /** Called before each fine-tuning epoch (counted from 0). */
    default void onEpochStart(Compressor compressor, int epoch) {
        compressor.updateEpoch(epoch);
    }

    /**
     * Called after each fine-tuning step, once the optimizer (and the compressor's step hooks) ran.
     * Default: nothing; schedules finer than an epoch ({@link AgpSchedule}) move here.
     */
    default void onBatchEnd(Compressor compressor, BatchResult batch) {
    }

    /** A driver for algorithms that need {@code batches(options)} statistics batches run as {@code pass}. */
    static Driver collecting(java.util.function.ToIntFunction<AlgorithmOptions> batches, StatisticsPass pass,
            java.util.function.Consumer<Compressor> after) {
        return new Driver() {
            @Override
            public int statisticsBatches(AlgorithmOptions options) {
                return batches.applyAsInt(options);
            }

            @Override
            public StatisticsPass statisticsPass() {
                return pass;
            }

            @Override
            public void afterStatistics(Compressor compressor) {
                after.accept(compressor);
            }
        };
    }
}
