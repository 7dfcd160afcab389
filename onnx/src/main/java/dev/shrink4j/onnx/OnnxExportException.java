package dev.shrink4j.onnx;

/**
 * A model cannot be written as ONNX: a module or operation has no ONNX mapping, or a quantizer's state
 * cannot be expressed. The message names the module (its dotted name and type) and what is missing.
 */
public class OnnxExportException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public OnnxExportException(String message) {
        super(message);
    }

    /** An exception with {@code message} and its cause. */
    public OnnxExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
