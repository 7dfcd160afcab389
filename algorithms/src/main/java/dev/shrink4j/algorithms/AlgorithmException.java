package dev.shrink4j.algorithms;

/**
 * A mistake in naming or configuring an algorithm (an unknown name, a config file that does not exist,
 * options that make no valid schedule). The message is one line naming the culprit: the file, the key or
 * option, the value, and what was expected. The command line prints it and exits with its usage status.
 */
public class AlgorithmException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An error with its one-line message. */
    public AlgorithmException(String message) {
        super(message);
    }

    /** An error caused by {@code cause} (kept for debug logging). */
    public AlgorithmException(String message, Throwable cause) {
        super(message, cause);
    }
}
