package dev.shrink4j.workbench.data;

/**
 * A dataset file is missing, unreadable or malformed. The message names the file, what was found and
 * what was expected, or how to obtain the data.
 */
public class DatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An error described by {@code message}. */
    public DatasetException(String message) {
        super(message);
    }

    /** An error described by {@code message}, caused by {@code cause}. */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
