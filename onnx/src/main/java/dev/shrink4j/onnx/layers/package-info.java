/**
 * Layers that ONNX files made by PyTorch use and {@code dev.shrink4j.nn.layers} does not have, so that
 * {@link dev.shrink4j.onnx.OnnxImporter} can express every supported ONNX operator as a leaf module the graph
 * tracer sees and {@link dev.shrink4j.onnx.OnnxExporter} writes back: {@link Clamp}, {@link Sigmoid},
 * {@link HardSigmoid}, {@link HardSwish}, {@link Elementwise} (broadcasting sum or product of two tensors),
 * {@link ConstantOperand} (sum or product with a fixed tensor), {@link ChannelShuffle} and {@link Pool2dFull}
 * (pooling with rectangular kernels, dilation or ceil mode).
 */
package dev.shrink4j.onnx.layers;
