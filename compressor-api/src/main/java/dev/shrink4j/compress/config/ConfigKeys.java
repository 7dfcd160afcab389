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
    /** The op type that stands for the weighted layers (Conv2d and Linear). */
    public static final String DEFAULT_OP_TYPE = "default";

    private ConfigKeys() {
    }
}
