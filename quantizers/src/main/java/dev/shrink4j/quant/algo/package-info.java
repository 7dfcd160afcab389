/**
 * Quantization algorithms with NNI 2.x semantics: {@link dev.shrink4j.quant.algo.NaiveQuantizer}
 * (8-bit weights, growing scale, truncation), {@link dev.shrink4j.quant.algo.QatQuantizer}
 * (quantization-aware training with EMA activation ranges) and
 * {@link dev.shrink4j.quant.algo.ObserverQuantizer} (post-training calibration with min/max
 * observers). Scale and zero point come from {@link dev.shrink4j.quant.QParams}.
 */
package dev.shrink4j.quant.algo;
