package dev.shrink4j.compress.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The keys one algorithm accepts in a config-list entry, how each is checked, and which must be
 * present in entries that are not {@code exclude}. Built from the standard key groups plus the
 * algorithm's own keys:
 *
 * <pre>{@code
 * ConfigSchema schema = ConfigSchema.builder("AgpPruner").addAll(ConfigSchema.PRUNING)
 *         .key("frequency", KeySpec.integer(1, 1000)).build();
 * }</pre>
 */
public final class ConfigSchema {

    /** Keys that select layers: {@code op_types}, {@code op_names}, {@code exclude}. */
    public static final Map<String, KeySpec> SELECTION;
    /** Selection keys plus {@code sparsity} and its alias {@code sparsity_per_layer}. */
    public static final Map<String, KeySpec> PRUNING;
    /** Selection keys plus {@code quant_types}, {@code quant_bits}, {@code quant_start_step}, {@code quant_scheme}, {@code quant_dtype}. */
    public static final Map<String, KeySpec> QUANTIZATION;
    /** Every standard key, so an unaccepted one can be told apart from a misspelt one. */
    public static final java.util.Set<String> STANDARD_KEYS;

    static {
        Map<String, KeySpec> selection = new LinkedHashMap<>();
        selection.put(ConfigKeys.OP_TYPES, KeySpec.stringList());
        selection.put(ConfigKeys.OP_NAMES, KeySpec.stringList());
        selection.put(ConfigKeys.EXCLUDE, KeySpec.bool());
        SELECTION = Collections.unmodifiableMap(selection);
        Map<String, KeySpec> pruning = new LinkedHashMap<>(selection);
        pruning.put(ConfigKeys.SPARSITY, KeySpec.fraction());
        pruning.put(ConfigKeys.SPARSITY_PER_LAYER, KeySpec.fraction());
        PRUNING = Collections.unmodifiableMap(pruning);
        Map<String, KeySpec> quant = new LinkedHashMap<>(selection);
        quant.put(ConfigKeys.QUANT_TYPES, KeySpec.stringListOf("weight", "input", "output"));
        quant.put(ConfigKeys.QUANT_BITS, KeySpec.bits());
        quant.put(ConfigKeys.QUANT_START_STEP, KeySpec.integer(0, Integer.MAX_VALUE));
        quant.put(ConfigKeys.QUANT_SCHEME, KeySpec.oneOf("per_tensor_affine", "per_tensor_symmetric",
                "per_channel_affine", "per_channel_symmetric"));
        quant.put(ConfigKeys.QUANT_DTYPE, KeySpec.oneOf("uint", "int"));
        QUANTIZATION = Collections.unmodifiableMap(quant);
        java.util.Set<String> all = new java.util.LinkedHashSet<>(pruning.keySet());
        all.addAll(quant.keySet());
        STANDARD_KEYS = Collections.unmodifiableSet(all);
    }

    private final String algorithm;
    private final Map<String, KeySpec> keys;
    private final List<List<String>> required;

    private ConfigSchema(Builder b) {
        this.algorithm = b.algorithm;
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(b.keys));
        this.required = List.copyOf(b.required);
    }

    /** Starts a schema for the algorithm named in messages (e.g. {@code "LevelPruner"}). */
    public static Builder builder(String algorithm) {
        return new Builder(algorithm);
    }

    /** The algorithm's name as messages use it. */
    public String algorithm() {
        return algorithm;
    }

    /** Accepted keys and their checks, in declaration order. */
    public Map<String, KeySpec> keys() {
        return keys;
    }

    /**
     * Requirements for non-excluded entries: each inner list is satisfied by any one of its keys
     * ({@code [sparsity, sparsity_per_layer]}).
     */
    public List<List<String>> required() {
        return required;
    }

    /** The accepted keys sorted, for messages. */
    public String acceptedKeys() {
        return String.join(", ", new TreeSet<>(keys.keySet()));
    }

    /** Builder for {@link ConfigSchema}. */
    public static final class Builder {
        private final String algorithm;
        private final Map<String, KeySpec> keys = new LinkedHashMap<>();
        private final List<List<String>> required = new ArrayList<>();

        private Builder(String algorithm) {
            this.algorithm = algorithm;
        }

        /** Accepts every key of a standard group ({@link #PRUNING}, {@link #QUANTIZATION}). */
        public Builder addAll(Map<String, KeySpec> group) {
            keys.putAll(group);
            return this;
        }

        /** Accepts {@code name}, checked by {@code spec} (replaces a standard check of the same name). */
        public Builder key(String name, KeySpec spec) {
            keys.put(name, spec);
            return this;
        }

        /** Requires one of {@code alternatives} in every entry that is not {@code exclude}. */
        public Builder require(String... alternatives) {
            required.add(List.of(alternatives));
            return this;
        }

        /** The schema. */
        public ConfigSchema build() {
            return new ConfigSchema(this);
        }
    }
}
