/**
 * Quantization algorithms on {@link dev.shrink4j.quant.Quantizer}: DoReFa weight quantization
 * ({@link dev.shrink4j.quant.algo.DoReFaQuantizer}), binarized networks
 * ({@link dev.shrink4j.quant.algo.BnnQuantizer}) and learned step size quantization
 * ({@link dev.shrink4j.quant.algo.LsqQuantizer}). Each documents its exact arithmetic and gradient.
 */
package dev.shrink4j.quant.algo;
