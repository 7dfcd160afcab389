package dev.shrink4j.algorithms;

/** Whether an algorithm prunes or quantizes; a config file names it under this key. */
public enum AlgorithmKind {
    /** Masks weights: {@code {"pruner": "level", ...}}. */
    PRUNER("pruner"),
    /** Quantizes weights and activations: {@code {"quantizer": "qat", ...}}. */
    QUANTIZER("quantizer");

    private final String key;

    AlgorithmKind(String key) {
        this.key = key;
    }

    /** The key that names the algorithm in a config file. */
    public String key() {
        return key;
    }
}
