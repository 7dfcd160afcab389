package dev.shrink4j.workbench.train;

/**
 * What one training epoch did.
 *
 * @param epoch        the epoch, counted from 0
 * @param train        mean loss and accuracy over the epoch's training batches (measured while
 *                     training, so with the weights changing along the way)
 * @param validation   the validation loader's evaluation after the epoch, or {@code null} when the
 *                     trainer has no validation loader
 * @param learningRate the first parameter group's learning rate during the epoch (before the
 *                     scheduler, if any, stepped at its end)
 * @param seconds      wall-clock duration of the epoch's training batches (validation excluded)
 */
public record EpochResult(int epoch, Metrics train, Evaluation validation, double learningRate, double seconds) {

    /** Training throughput. */
    public double samplesPerSecond() {
        return train.samples() / seconds;
    }

    /** Whether {@link #validation()} holds an evaluation. */
    public boolean hasValidation() {
        return validation != null;
    }
}
