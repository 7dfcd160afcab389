package dev.shrink4j.distributed;

/**
 * What {@link DataParallel} communicated so far: steps synchronised, the time spent in the gradient
 * and buffer all-reduces before each step and in the buffer reconciliation after it, and the bytes of
 * the last step's gradient all-reduce (the model's trained parameters: what every step sends, whatever
 * the batch size).
 *
 * @param steps                optimizer steps synchronised
 * @param communicationNanos   time spent synchronising, all steps together
 * @param gradientBytesPerStep bytes all-reduced for the gradients of one step (each rank's contribution)
 * @param bufferBytesPerStep   bytes of buffers all-reduced in one step (ranges, averaged statistics)
 */
public record CommunicationStats(long steps, long communicationNanos, long gradientBytesPerStep, long bufferBytesPerStep) {

    /** Mean synchronisation time per step, in milliseconds (0 before the first step). */
    public double millisPerStep() {
        return steps == 0 ? 0 : communicationNanos / 1e6 / steps;
    }
}
