/**
 * ONNX import, export and ONNX Runtime inference: {@link dev.shrink4j.onnx.OnnxImporter} reads an ONNX file made by
 * PyTorch into an {@link dev.shrink4j.onnx.ImportedModel} (a module tree with PyTorch's state-dict keys that every
 * compressor works on), {@link dev.shrink4j.onnx.OnnxExporter} writes any model the graph tracer can trace (dense,
 * masked, shrunk; quantized models as QuantizeLinear/DequantizeLinear pairs) to an ONNX file, and
 * {@link dev.shrink4j.onnx.OnnxModel} runs such a file in ONNX Runtime.
 */
package dev.shrink4j.onnx;
