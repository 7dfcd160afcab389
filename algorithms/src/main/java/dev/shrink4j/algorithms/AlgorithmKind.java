package dev.shrink4j.algorithms;

import java.util.Locale;

/** Whether an algorithm prunes or quantizes; a config file names it under this key. */
public enum AlgorithmKind {
    /** Masks weights: {@code {"pruner": "level", ...}}. */
    PRUNER,
    /** Quantizes weights and activations: {@code {"quantizer": "qat", ...}}. */
    QUANTIZER;

    /** The key that names the algorithm in a config file: the kind's name in lower case ({@code "pruner"}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
