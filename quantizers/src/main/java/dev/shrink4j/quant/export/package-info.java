/**
 * Writing and reading what a quantizer learned: the calibration config (per-layer bits, scales,
 * zero points and tracked ranges as NNI's {@code calibration_config} JSON,
 * {@link dev.shrink4j.quant.export.CalibrationConfig}, restored by
 * {@link dev.shrink4j.quant.export.CalibrationRestore}) and the conversion of fake-quantized weights
 * to real integer tensors on their {@link dev.shrink4j.quant.core.QParams} grid
 * ({@link dev.shrink4j.quant.export.IntegerWeights}). Every file is written atomically (temporary file
 * + rename, {@link dev.shrink4j.nn.io.AtomicFiles}). The entry points are the export methods of
 * {@link dev.shrink4j.quant.Quantizer}.
 */
package dev.shrink4j.quant.export;
