/**
 * The quantization settings of a config-list entry, read as types: {@link dev.shrink4j.quant.config.QuantType}
 * (what is quantized), {@link dev.shrink4j.quant.config.QuantScheme}, {@link dev.shrink4j.quant.config.QuantDtype}
 * and {@link dev.shrink4j.quant.config.QuantConfig}, which reads them off a
 * {@link dev.shrink4j.compress.config.LayerConfig}. The keys and their checks stay in
 * {@link dev.shrink4j.compress.config.ConfigSchema#QUANTIZATION}, so a config list is validated the same
 * way whatever algorithm reads it. Depends on nothing else in {@code dev.shrink4j.quant}.
 */
package dev.shrink4j.quant.config;
