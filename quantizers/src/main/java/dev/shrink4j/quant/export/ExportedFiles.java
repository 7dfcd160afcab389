package dev.shrink4j.quant.export;

import java.nio.file.Path;

/**
 * The files {@link dev.shrink4j.quant.Quantizer#exportAll} wrote.
 *
 * @param model       the full-precision weights
 * @param calibration the calibration config
 * @param fakeQuant   the fake-quantized weights
 * @param int8        the integer weights, or null when the quantizer's weights have no integer grid
 * @param int8Skipped why there is no integer file (the quantizer's message), or null when there is one
 */
public record ExportedFiles(Path model, Path calibration, Path fakeQuant, Path int8, String int8Skipped) {
}
