package dev.shrink4j.compress.config;

/** The standard config-list key names, spelt as NNI spells them. */
public final class ConfigKeys {

    public static final String OP_TYPES = "op_types";
    public static final String OP_NAMES = "op_names";
    public static final String EXCLUDE = "exclude";
    public static final String SPARSITY = "sparsity";
    public static final String SPARSITY_PER_LAYER = "sparsity_per_layer";
    public static final String QUANT_TYPES = "quant_types";
    public static final String QUANT_BITS = "quant_bits";
    public static final String QUANT_START_STEP = "quant_start_step";
    public static final String QUANT_SCHEME = "quant_scheme";
    public static final String QUANT_DTYPE = "quant_dtype";
    /** The values {@code quant_types} accepts, in the order quantizers apply them: weight, input, output. */
    public static final java.util.List<String> QUANT_TYPE_NAMES = java.util.List.of("weight", "input", "output");
    /** The op type that stands for the weighted layers (Conv2d and Linear). */
    public static final String DEFAULT_OP_TYPE = "default";

    private ConfigKeys() {
    }
}
