package dev.shrink4j.onnx;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An ONNX file that {@link OnnxModel} cannot use as asked: not an ONNX model ONNX Runtime loads, not a
 * single-input single-output float model, an input shape that does not fit the data, or an output width that
 * differs from the class count. The message is one line naming the file and the mismatch; {@link #file()} is the
 * file.
 */
public class OnnxModelException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * @param file    the ONNX file
     * @param message one line naming the file and the mismatch
     * @param cause   what ONNX Runtime reported, or null
     */
    public OnnxModelException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The ONNX file concerned. */
    public Path file() {
        return file;
    }
}
