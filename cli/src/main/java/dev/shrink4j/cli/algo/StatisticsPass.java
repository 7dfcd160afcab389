package dev.shrink4j.cli.algo;

/**
 * How the command line feeds statistics or calibration batches of training data to a compressor
 * before its masks or quantization ranges are final.
 */
public enum StatisticsPass {
    /** Forward passes in evaluation mode, without gradients (observers that only watch). */
    FORWARD_EVAL,
    /** Forward passes in training mode, without gradients (ranges tracked only while training). */
    FORWARD_TRAIN,
    /** Forward and backward passes in training mode without optimizer steps (activation and gradient statistics). */
    FORWARD_BACKWARD
}
