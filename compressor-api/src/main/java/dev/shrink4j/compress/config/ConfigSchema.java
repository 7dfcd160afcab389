package dev.shrink4j.compress.config;

import dev.shrink4j.nn.Module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The keys one algorithm accepts in a config-list entry, how each is checked, which must be
 * present in entries that are not {@code exclude}, and which layer types the algorithm can compress.
 * Built from the standard key groups plus the algorithm's own keys:
 *
 * <pre>{@code
 * ConfigSchema schema = ConfigSchema.builder("AgpPruner").addAll(ConfigSchema.PRUNING)
 *         .key("frequency", KeySpec.integer(1, 1000)).build();
 * ConfigSchema filters = ConfigSchema.builder("L1FilterPruner").addAll(ConfigSchema.PRUNING)
 *         .allowTypes("prunes Conv2d filters only", Conv2d.class).build();
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
        quant.put(ConfigKeys.QUANT_TYPES, KeySpec.stringListOf(ConfigKeys.QUANT_TYPE_NAMES.toArray(String[]::new)));
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
    private final List<Class<? extends Module>> allowedTypes;
    private final TypeRejection typeRejection;

    private ConfigSchema(Builder b) {
        this.algorithm = b.algorithm;
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(b.keys));
        this.required = List.copyOf(b.required);
        this.allowedTypes = List.copyOf(b.allowedTypes);
        this.typeRejection = b.typeRejection;
    }

    /**
     * The message for a selected layer whose module type the algorithm does not compress.
     */
    @FunctionalInterface
    public interface TypeRejection {
        /**
         * @param entry the index of the config-list entry that selects the layer
         * @param layer the layer's qualified name ({@code conv1})
         * @param type  the layer's module type name ({@code Linear})
         * @return one message naming the entry and the layer
         */
        String message(int entry, String layer, String type);
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

    /**
     * The module types the algorithm compresses (a layer must be an instance of one of them), or an
     * empty list when it takes any layer.
     */
    public List<Class<? extends Module>> allowedTypes() {
        return allowedTypes;
    }

    /**
     * What is wrong with the type of layer {@code name} selected by entry {@code entry}, or
     * {@code null} when its module is an instance of an {@link #allowedTypes() allowed type} (or any
     * type is allowed).
     */
    public String typeProblem(int entry, String name, Module module) {
        if (allowedTypes.isEmpty() || allowedTypes.stream().anyMatch(t -> t.isInstance(module))) {
            return null;
        }
        return typeRejection.message(entry, name, module.typeName());
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
        private final List<Class<? extends Module>> allowedTypes = new ArrayList<>();
        private TypeRejection typeRejection;

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

        /**
         * Limits the layers the algorithm compresses to instances of {@code types}; a selected layer of
         * another type is reported as {@code "config_list[<i>]: <layer> (<Type>) is not a <A or B>;
         * <algorithm> <scope>"}, e.g. {@code "config_list[0]: fc (Linear) is not a Conv2d; L1FilterPruner
         * prunes Conv2d filters only"}.
         *
         * @param scope what the algorithm does, completing the message ({@code "prunes Conv2d filters only"})
         */
        @SafeVarargs
        public final Builder allowTypes(String scope, Class<? extends Module>... types) {
            String allowed = String.join(" or ", java.util.Arrays.stream(types).map(Class::getSimpleName).toList());
            return allowTypes((entry, layer, type) -> "config_list[" + entry + "]: " + layer + " (" + type
                    + ") is not a " + allowed + "; " + algorithm + " " + scope, types);
        }

        /**
         * Limits the layers the algorithm compresses to instances of {@code types}, reporting a selected
         * layer of another type with {@code rejection}'s message. Replaces an earlier limit.
         *
         * @throws IllegalArgumentException when no type is given
         */
        @SafeVarargs
        public final Builder allowTypes(TypeRejection rejection, Class<? extends Module>... types) {
            if (types.length == 0) {
                throw new IllegalArgumentException(algorithm + ": allowTypes needs at least one type");
            }
            allowedTypes.clear();
            allowedTypes.addAll(List.of(types));
            typeRejection = java.util.Objects.requireNonNull(rejection, "rejection");
            return this;
        }

        /** The schema. */
        public ConfigSchema build() {
            return new ConfigSchema(this);
        }
    }
}
