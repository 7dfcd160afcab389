package dev.shrink4j.workbench.train;

/**
 * What one training step did.
 *
 * @param epoch      the epoch, counted from 0
 * @param batch      the batch index within the epoch, from 0
 * @param batchCount the number of batches in the epoch
 * @param step       the trainer's global step count after this step
 * @param size       the number of samples in the batch
 * @param loss       the batch's mean loss
 * @param correct    how many of the batch's samples were classified correctly (top-1)
 */
public record BatchResult(int epoch, int batch, int batchCount, long step, int size, double loss, long correct) {
}
