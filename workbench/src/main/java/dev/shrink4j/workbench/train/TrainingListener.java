package dev.shrink4j.workbench.train;

/**
 * Observes a {@link Trainer} (DJL's {@code TrainingListener}): compressors advance their schedule in
 * {@link #onEpochStart} (NNI's {@code update_epoch}), a progress bar draws in {@link #onBatchEnd},
 * checkpoints are written in {@link #onEpochEnd}. Register with {@link Trainer#addListener}; the
 * returned handle removes the listener.
 *
 * <p>{@code onBatchEnd} runs inside the step's {@code PointerScope}: tensors a listener makes there
 * are released with the step.
 */
public interface TrainingListener {

    /** Before the first batch of {@code epoch} (counted from 0). */
    default void onEpochStart(Trainer trainer, int epoch) {
    }

    /** After each optimizer step. */
    default void onBatchEnd(Trainer trainer, BatchResult result) {
    }

    /** After the last batch of an epoch. */
    default void onEpochEnd(Trainer trainer, EpochResult result) {
    }
}
