package dev.shrink4j.onnx;

/**
 * An ONNX file that {@link OnnxModel} cannot use as asked: not an ONNX model ONNX Runtime loads, not a
 * single-input single-output float model, an input shape that does not fit the data, or an output width that
 * differs from the class count. The message is one line naming the file and the mismatch.
 */
public class OnnxModelException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public OnnxModelException(String message) {
        super(message);
    }

    /** An exception with {@code message} and its cause. */
    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
