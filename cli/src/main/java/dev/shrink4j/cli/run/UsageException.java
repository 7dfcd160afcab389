package dev.shrink4j.cli.run;

/**
 * A mistake of the user (unknown architecture, missing file, invalid config): the command line prints
 * the message as one line and exits with exit code 2 (usage), without a stack trace. The
 * message names the culprit: the option or file, the value, and what was expected.
 */
public class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A usage error with its one-line message. */
    public UsageException(String message) {
        super(message);
    }

    /** A usage error caused by {@code cause} (kept for debug logging). */
    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
