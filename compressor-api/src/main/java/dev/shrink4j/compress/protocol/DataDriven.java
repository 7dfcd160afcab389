package dev.shrink4j.compress.protocol;

/**
 * A compressor that needs batches of training data before its masks or quantization ranges are final
 * (activation or gradient statistics, an observer's calibration). A training loop, after
 * {@code compress()}: runs {@link #statisticsBatches()} batches as {@link #statisticsPass()} says, calls
 * {@link #afterStatisticsBatch()} after each (after its backward pass, before the gradients are cleared),
 * then {@link #finishStatistics()}.
 *
 * <pre>{@code
 * pruner.compress();
 * for (int i = 0; i < pruner.statisticsBatches(); i++) {
 *     loss(model.call(x[i]), y[i]).backward();   // forward only unless statisticsPass() is FORWARD_BACKWARD
 *     pruner.afterStatisticsBatch();
 *     model.zeroGrad();
 * }
 * pruner.finishStatistics();                     // the masks are computed here
 * }</pre>
 */
public interface DataDriven {

    /** The batches the compressor needs (its {@code statistics_batch_num}, or a default calibration). */
    int statisticsBatches();

    /** How the statistics batches run. */
    StatisticsPass statisticsPass();

    /** Called after each statistics batch. Default: nothing (forward hooks collect by themselves). */
    default void afterStatisticsBatch() {
    }

    /** Called once after the statistics batches: the masks or ranges are computed from what was collected. */
    void finishStatistics();
}
