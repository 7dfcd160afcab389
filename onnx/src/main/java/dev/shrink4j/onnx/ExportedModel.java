package dev.shrink4j.onnx;

import dev.shrink4j.nn.io.ModelMetadata;
import java.nio.file.Path;

/**
 * What {@link OnnxExporter#export} wrote.
 *
 * @param file      the ONNX file
 * @param metadata  the entries of its {@code metadata_props} (architecture, normalisation, algorithm, config,
 *                  contents, and why weights stayed float32 where a quantizer's did)
 * @param nodeCount the number of ONNX nodes in the graph
 */
public record ExportedModel(Path file, ModelMetadata metadata, int nodeCount) {
}
