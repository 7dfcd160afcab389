/**
 * The quantization math that the quantizers, their training and their export share, below all of them:
 * {@link dev.shrink4j.quant.core.QParams} (a tensor's integer grid: scale, zero point, {@code qmin},
 * {@code qmax}, and fake quantization onto it), {@link dev.shrink4j.quant.core.Ste} (the straight-through
 * gradients of rounding) and {@link dev.shrink4j.quant.core.CalibrationKeys} (the names of a layer's
 * calibration state). It names no quantizer and no export class, so {@code dev.shrink4j.quant} and
 * {@code dev.shrink4j.quant.export} both depend on it without depending on each other.
 */
package dev.shrink4j.quant.core;
