package dev.shrink4j.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that cannot be read: truncated, malformed header, unsupported dtype, or
 * offsets that do not match the shapes. The message is {@code "<file>: <problem>"}.
 */
public final class SafeTensorsException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    /** A problem with {@code file}, described by {@code problem} (without the file name). */
    public SafeTensorsException(Path file, String problem) {
        this(file, problem, null);
    }

    /** A problem with {@code file} caused by {@code cause}. */
    public SafeTensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
