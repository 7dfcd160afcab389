/**
 * Quantization algorithms with NNI 2.x semantics, each documenting its exact arithmetic and gradient:
 * {@link dev.shrink4j.quant.algo.NaiveQuantizer} (8-bit weights, growing scale, truncation),
 * {@link dev.shrink4j.quant.algo.QatQuantizer} (quantization-aware training with EMA activation ranges),
 * {@link dev.shrink4j.quant.algo.ObserverQuantizer} (post-training calibration with min/max observers),
 * {@link dev.shrink4j.quant.algo.DoReFaQuantizer} (DoReFa weight quantization),
 * {@link dev.shrink4j.quant.algo.BnnQuantizer} (binarized networks) and
 * {@link dev.shrink4j.quant.algo.LsqQuantizer} (learned step size quantization). Scale and zero point
 * come from {@link dev.shrink4j.quant.core.QParams}.
 */
package dev.shrink4j.quant.algo;
