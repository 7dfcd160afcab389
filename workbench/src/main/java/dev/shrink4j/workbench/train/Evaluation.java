package dev.shrink4j.workbench.train;

import java.util.Locale;

/**
 * What {@link Evaluator#evaluate} measured over one pass of a loader.
 *
 * @param loss            mean loss per sample
 * @param accuracy        top-1 accuracy: fraction of samples classified correctly, in [0, 1]
 * @param samples         number of samples measured
 * @param batches         number of batches run
 * @param meanBatchMillis mean wall-clock time of one batch's forward pass, in milliseconds (the model
 *                        alone: loss and accuracy bookkeeping are not timed)
 */
public record Evaluation(double loss, double accuracy, long samples, int batches, double meanBatchMillis) {

    /** Loss, accuracy and sample count without the timing. */
    public Metrics metrics() {
        return new Metrics(loss, accuracy, samples);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "loss %.4f, accuracy %.2f%% (%d samples), %.3f ms/batch", loss, 100 * accuracy,
                samples, meanBatchMillis);
    }
}
