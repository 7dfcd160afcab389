package dev.shrink4j.onnx;

import java.nio.file.Path;

/**
 * An ONNX file that {@link OnnxImporter} cannot turn into a module tree: not an ONNX model, truncated, an opset
 * outside {@value OnnxImporter#MIN_OPSET}–{@value OnnxImporter#MAX_OPSET}, more or fewer than one input or
 * output, an operator or attribute the importer does not support, or an initializer whose shape contradicts its
 * operator. The message is one line that starts with the file and names the culprit (node, operator type,
 * initializer); an {@link OnnxModelException}, so callers that map those to a usage error map these too.
 */
public class OnnxImportException extends OnnxModelException {

    private static final long serialVersionUID = 1L;

    /**
     * @param file    the ONNX file
     * @param problem what is wrong, without the file name (prefixed here)
     * @param cause   the underlying error, or null
     */
    public OnnxImportException(Path file, String problem, Throwable cause) {
        super(file, file + ": " + problem, cause);
    }
}
