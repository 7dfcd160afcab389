/**
 * Observers: running range statistics (min/max, exponential moving averages of min/max) of the
 * tensors a quantizer sees, per tensor or per channel. Observers only collect and answer the range;
 * turning a range into scale and zero point is the quantizers' business ({@code dev.shrink4j.quant.core.QParams}).
 * Their state is owned native tensors allocated at construction and updated in place.
 */
package dev.shrink4j.collect.observe;
