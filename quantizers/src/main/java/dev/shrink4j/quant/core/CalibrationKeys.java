package dev.shrink4j.quant.core;

import java.util.List;

/**
 * Names of the per-layer calibration values: wrapper buffers of these names are exported to the
 * calibration JSON and restored from it (NNI's {@code calibration_config} keys).
 */
public final class CalibrationKeys {

    public static final String WEIGHT_BITS = "weight_bits";
    public static final String WEIGHT_SCALE = "weight_scale";
    public static final String WEIGHT_ZERO_POINT = "weight_zero_point";
    public static final String INPUT_BITS = "input_bits";
    public static final String TRACKED_MIN_INPUT = "tracked_min_input";
    public static final String TRACKED_MAX_INPUT = "tracked_max_input";
    public static final String OUTPUT_BITS = "output_bits";
    public static final String TRACKED_MIN_OUTPUT = "tracked_min_output";
    public static final String TRACKED_MAX_OUTPUT = "tracked_max_output";

    /** The tensor-valued keys, in export order. */
    public static final List<String> TENSOR_KEYS = List.of(WEIGHT_SCALE, WEIGHT_ZERO_POINT, TRACKED_MIN_INPUT,
            TRACKED_MAX_INPUT, TRACKED_MIN_OUTPUT, TRACKED_MAX_OUTPUT);

    private CalibrationKeys() {
    }
}
