package dev.shrink4j.workbench.train;

import java.util.Locale;

/**
 * Training diverged: a batch's loss was NaN or infinite. {@link Trainer} throws it before that
 * batch's backward pass and optimizer step, so the model holds the weights of the last finite step
 * and nothing of this batch; no checkpoint of the epoch is written. Usual causes: a learning rate
 * too large (the weights grow until the logits overflow) or NaN/Inf in the input data. Epoch and
 * batch are counted from 1 in the message, from 0 in the accessors (as {@link BatchResult} does).
 */
public final class NonFiniteLossException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final int batch;
    private final double learningRate;
    private final double loss;

    /**
     * @param epoch        the epoch index, from 0
     * @param plannedEpochs the epochs {@code fit} was asked to reach, or 0 when unknown
     * @param batch        the batch index within the epoch, from 0
     * @param batchCount   the batches of the epoch
     * @param learningRate the optimizer's learning rate (first group) at this batch
     * @param loss         the loss value (NaN or ±infinity)
     */
    public NonFiniteLossException(int epoch, int plannedEpochs, int batch, int batchCount, double learningRate, double loss) {
        super(String.format(Locale.ROOT, "training diverged: the loss is %s at epoch %d%s, batch %d of %d (learning rate %s);"
                        + " stopped before this batch updated the model (lower the learning rate, or check the data for"
                        + " NaN/Inf)", Double.isNaN(loss) ? "NaN" : loss > 0 ? "inf" : "-inf", epoch + 1,
                plannedEpochs > 0 ? " of " + plannedEpochs : "", batch + 1, batchCount, learningRate));
        this.epoch = epoch;
        this.batch = batch;
        this.learningRate = learningRate;
        this.loss = loss;
    }

    /** The epoch index, from 0. */
    public int epoch() {
        return epoch;
    }

    /** The batch index within the epoch, from 0. */
    public int batch() {
        return batch;
    }

    /** The learning rate of the optimizer's first parameter group at this batch. */
    public double learningRate() {
        return learningRate;
    }

    /** The loss: NaN or an infinity. */
    public double loss() {
        return loss;
    }
}
