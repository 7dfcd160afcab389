package dev.shrink4j.compress.protocol;

/**
 * How a training loop feeds statistics or calibration batches of training data to a {@link DataDriven}
 * compressor before its masks or quantization ranges are final.
 */
public enum StatisticsPass {
    /** Forward passes in evaluation mode, without gradients (observers that only watch). */
    FORWARD_EVAL,
    /** Forward passes in training mode, without gradients (ranges tracked only while training). */
    FORWARD_TRAIN,
    /** Forward and backward passes in training mode without optimizer steps (activation and gradient statistics). */
    FORWARD_BACKWARD
}
