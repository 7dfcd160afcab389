package dev.shrink4j.compress.config;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An NNI config list: entries that select layers ({@code op_types}, {@code op_names},
 * {@code exclude}) and say how to compress them ({@code sparsity}, {@code quant_bits}, …).
 *
 * <p>Parsing only checks JSON syntax, strictly ({@link StrictJson}). Everything else is checked by {@link #validate} when a
 * compressor's {@code compress()} runs, against the algorithm's {@link ConfigSchema} and the model:
 * all problems are collected into one {@link ConfigException}.
 *
 * <pre>{@code
 * ConfigList cl = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]");
 * ConfigList same = ConfigList.builder().add(Map.of("sparsity", 0.5, "op_types", List.of("default"))).build();
 * }</pre>
 */
public final class ConfigList {

    /** The layer types {@code "default"} stands for: the weighted layers. */
    public static final List<String> DEFAULT_OP_TYPES = List.of("Conv2d", "Linear");
    private static final Gson GSON = new Gson();

    private final List<JsonElement> entries;

    private ConfigList(List<JsonElement> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses a JSON list of entries. The text must be strict JSON ({@link StrictJson}: no comments,
     * single quotes, unquoted names, trailing commas, {@code NaN}, duplicate keys or trailing text).
     *
     * @throws ConfigException when the text is not JSON or not a list
     */
    public static ConfigList fromJson(String json) {
        return fromJson(ConfigException.CONFIG_LIST, json);
    }

    private static ConfigList fromJson(String subject, String json) {
        JsonElement root;
        try {
            root = StrictJson.parse(json);
        } catch (JsonParseException e) {
            throw new ConfigException(subject, List.of("config_list: not valid JSON: " + e.getMessage()));
        }
        if (!root.isJsonArray()) {
            throw new ConfigException(subject, List.of("config_list: expected a list of entries, got " + KeySpec.describe(root)));
        }
        return fromJson(root);
    }

    /** Wraps an already parsed JSON list. */
    public static ConfigList fromJson(JsonElement root) {
        if (!root.isJsonArray()) {
            throw new ConfigException(List.of("config_list: expected a list of entries, got " + KeySpec.describe(root)));
        }
        List<JsonElement> list = new ArrayList<>();
        root.getAsJsonArray().forEach(e -> list.add(e.deepCopy()));
        return new ConfigList(list);
    }

    /**
     * Reads a JSON list of entries from a file, as {@link #fromJson(String)} parses it.
     *
     * @throws ConfigException naming the file when it is not JSON or not a list
     */
    public static ConfigList fromFile(Path path) throws IOException {
        return fromJson(ConfigException.CONFIG_LIST + " " + path, Files.readString(path));
    }

    /** A builder that takes entries as Java maps (numbers, strings, booleans, lists, maps). */
    public static Builder builder() {
        return new Builder();
    }

    /** The raw entries as parsed (copies). */
    public List<JsonElement> entries() {
        List<JsonElement> copy = new ArrayList<>();
        entries.forEach(e -> copy.add(e.deepCopy()));
        return copy;
    }

    /** The number of entries. */
    public int size() {
        return entries.size();
    }

    /** The list as JSON text. */
    public String toJson() {
        JsonArray a = new JsonArray();
        entries.forEach(a::add);
        return GSON.toJson(a);
    }

    @Override
    public String toString() {
        return toJson();
    }

    /**
     * Checks every entry against {@code schema} and the model, collecting all problems: entries that
     * are not objects, unknown keys, keys the algorithm does not accept, wrong types and ranges,
     * missing required keys, entries without {@code op_types}/{@code op_names}, and op names or
     * types that match nothing in {@code model}.
     *
     * @return one typed {@link LayerConfig} per entry
     * @throws ConfigException listing every problem
     */
    public List<LayerConfig> validate(ConfigSchema schema, Module model) {
        Validation v = check(schema, model);
        if (!v.errors().isEmpty()) {
            throw new ConfigException(v.errors());
        }
        return v.configs();
    }

    /**
     * Checks every entry as {@link #validate} does, without throwing: the problems found and the entries
     * that passed. An entry's {@code op_types}/{@code op_names} are matched against the model whenever
     * they are well formed, also when another key of the entry is wrong, so one run reports both.
     */
    public Validation check(ConfigSchema schema, Module model) {
        List<String> errors = new ArrayList<>();
        Map<String, Module> modules = model.namedModules();
        Set<String> typesInModel = new HashSet<>();
        modules.forEach((name, m) -> {
            if (!name.isEmpty()) {
                typesInModel.add(m.typeName());
            }
        });
        List<LayerConfig> valid = new ArrayList<>();
        List<LayerConfig> rejected = new ArrayList<>();
        boolean allMatchable = true;
        if (entries.isEmpty()) {
            errors.add("config_list: is empty; give at least one entry");
        }
        for (int i = 0; i < entries.size(); i++) {
            String at = "config_list[" + i + "]";
            JsonElement element = entries.get(i);
            if (!element.isJsonObject()) {
                errors.add(at + ": expected an object, got " + KeySpec.describe(element));
                allMatchable = false;
                continue;
            }
            JsonObject entry = element.getAsJsonObject();
            int before = errors.size();
            for (Map.Entry<String, JsonElement> kv : entry.entrySet()) {
                String key = kv.getKey();
                KeySpec spec = schema.keys().get(key);
                if (spec != null) {
                    spec.check(at + "." + key, kv.getValue(), errors);
                } else if (ConfigSchema.STANDARD_KEYS.contains(key)) {
                    errors.add(at + ": key \"" + key + "\" is not accepted by " + schema.algorithm()
                            + "; accepted keys: " + schema.acceptedKeys());
                } else {
                    errors.add(at + ": unknown key \"" + key + "\"; accepted keys: " + schema.acceptedKeys());
                }
            }
            if (!entry.has(ConfigKeys.OP_TYPES) && !entry.has(ConfigKeys.OP_NAMES)) {
                errors.add(at + ": needs op_types or op_names to select layers");
            }
            boolean excluded = entry.has(ConfigKeys.EXCLUDE) && entry.get(ConfigKeys.EXCLUDE).isJsonPrimitive()
                    && entry.getAsJsonPrimitive(ConfigKeys.EXCLUDE).isBoolean() && entry.get(ConfigKeys.EXCLUDE).getAsBoolean();
            if (!excluded) {
                for (List<String> alternatives : schema.required()) {
                    if (alternatives.stream().noneMatch(entry::has)) {
                        errors.add(at + ": missing \"" + alternatives.get(0) + "\"" + (alternatives.size() > 1
                                ? " (or " + String.join(", ", alternatives.subList(1, alternatives.size())) + ")" : "")
                                + ", required by " + schema.algorithm());
                    }
                }
            }
            if (entry.has(ConfigKeys.SPARSITY) && entry.has(ConfigKeys.SPARSITY_PER_LAYER)) {
                errors.add(at + ": sparsity and sparsity_per_layer mean the same; give one");
            }
            boolean matchable = hasWellFormedSelection(entry);
            if (matchable) {
                checkSelectionMatchesModel(at, entry, modules, typesInModel, model.typeName(), errors);
            }
            if (errors.size() == before) {
                LayerConfig config = new LayerConfig(i, entry);
                checkBitsCoverTypes(at, config, errors);
                (errors.size() == before ? valid : rejected).add(config);
            } else if (matchable) {
                rejected.add(new LayerConfig(i, entry));
            } else {
                allMatchable = false;
            }
        }
        return new Validation(valid, rejected, allMatchable, errors);
    }

    /**
     * Whether the keys that select layers ({@code op_types}, {@code op_names}, {@code exclude}) are absent
     * or well formed (a list of strings, a boolean), whatever the schema says: then the entry's
     * matches can be computed.
     */
    private static boolean hasWellFormedSelection(JsonObject entry) {
        List<String> problems = new ArrayList<>();
        for (String key : List.of(ConfigKeys.OP_TYPES, ConfigKeys.OP_NAMES)) {
            if (entry.has(key)) {
                KeySpec.stringList().check(key, entry.get(key), problems);
            }
        }
        if (entry.has(ConfigKeys.EXCLUDE)) {
            KeySpec.bool().check(ConfigKeys.EXCLUDE, entry.get(ConfigKeys.EXCLUDE), problems);
        }
        return problems.isEmpty();
    }

    /**
     * The outcome of {@link #check}: every problem, the entries that passed, and which layer gets which
     * entry where that is known.
     */
    public static final class Validation {
        private final List<LayerConfig> configs;
        private final List<LayerConfig> rejected;
        private final boolean allMatchable;
        private final List<String> errors;

        Validation(List<LayerConfig> configs, List<LayerConfig> rejected, boolean allMatchable, List<String> errors) {
            this.configs = List.copyOf(configs);
            this.rejected = List.copyOf(rejected);
            this.allMatchable = allMatchable;
            this.errors = List.copyOf(errors);
        }

        /** Every problem found, in entry order; empty when the list is valid. */
        public List<String> errors() {
            return errors;
        }

        /** The entries without problems, typed, in list order. */
        public List<LayerConfig> configs() {
            return configs;
        }

        /**
         * The valid entry each layer gets, by NNI's rule (the last entry that matches the layer's name
         * and type), for each {@code name → type} of {@code layers} in their order. Layers whose last
         * matching entry has problems are left out (the checks of that entry would not apply to them),
         * and so are all layers when an entry's selection cannot be read (a malformed
         * {@code op_types}, {@code op_names} or {@code exclude}, or an entry that is not an object):
         * which entry they get is then unknown.
         */
        public Map<String, LayerConfig> assign(Map<String, String> layers) {
            Map<String, LayerConfig> out = new java.util.LinkedHashMap<>();
            if (!allMatchable) {
                return out;
            }
            List<LayerConfig> all = new ArrayList<>(configs);
            all.addAll(rejected);
            all.sort(java.util.Comparator.comparingInt(LayerConfig::index));
            layers.forEach((name, type) -> {
                LayerConfig chosen = null;
                for (LayerConfig c : all) {
                    if (c.matches(name, type)) {
                        chosen = c;
                    }
                }
                if (chosen != null && configs.contains(chosen)) {
                    out.put(name, chosen);
                }
            });
            return out;
        }
    }

    private static void checkSelectionMatchesModel(String at, JsonObject entry, Map<String, Module> modules,
            Set<String> typesInModel, String modelType, List<String> errors) {
        if (entry.has(ConfigKeys.OP_TYPES)) {
            for (JsonElement t : entry.getAsJsonArray(ConfigKeys.OP_TYPES)) {
                String type = t.getAsString();
                boolean found = ConfigKeys.DEFAULT_OP_TYPE.equals(type)
                        ? DEFAULT_OP_TYPES.stream().anyMatch(typesInModel::contains) : typesInModel.contains(type);
                if (!found) {
                    errors.add(at + ".op_types: \"" + type + "\" matches no module in " + modelType);
                }
            }
        }
        if (entry.has(ConfigKeys.OP_NAMES)) {
            for (JsonElement n : entry.getAsJsonArray(ConfigKeys.OP_NAMES)) {
                String name = n.getAsString();
                if (name.isEmpty() || !modules.containsKey(name)) {
                    errors.add(at + ".op_names: \"" + name + "\" matches no module in " + modelType);
                }
            }
        }
    }

    private static void checkBitsCoverTypes(String at, LayerConfig config, List<String> errors) {
        if (config.exclude() || !config.raw().has(ConfigKeys.QUANT_BITS) || !config.raw().get(ConfigKeys.QUANT_BITS).isJsonObject()) {
            return;
        }
        List<String> types = config.getStrings(ConfigKeys.QUANT_TYPES);
        for (String t : ConfigKeys.QUANT_TYPE_NAMES) { // in this order, whatever the entry's order
            if (types.contains(t) && !config.raw().getAsJsonObject(ConfigKeys.QUANT_BITS).has(t)) {
                errors.add(at + ".quant_bits: no bit width for quant type \"" + t + "\"");
            }
        }
    }

    /** Builds a config list from Java values. */
    public static final class Builder {
        private final List<JsonElement> entries = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds one entry; values are converted as Gson converts them.
         *
         * @throws ConfigException naming the key when a value is a NaN or infinite number, which JSON (and so a
         *                         config list) cannot hold
         */
        public Builder add(Map<String, ?> entry) {
            List<String> errors = new ArrayList<>();
            nonFinite("config_list[" + entries.size() + "]", entry, errors);
            if (!errors.isEmpty()) {
                throw new ConfigException(errors);
            }
            entries.add(GSON.toJsonTree(entry));
            return this;
        }

        private static void nonFinite(String path, Object value, List<String> errors) {
            if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (!Double.isFinite(d)) {
                    errors.add(path + ": " + d + " is not a number JSON can hold");
                }
            } else if (value instanceof Map<?, ?> m) {
                m.forEach((k, v) -> nonFinite(path + "." + k, v, errors));
            } else if (value instanceof Collection<?> c) {
                int i = 0;
                for (Object v : c) {
                    nonFinite(path + "[" + i++ + "]", v, errors);
                }
            }
        }

        /** Adds several entries. */
        public Builder addAll(Collection<? extends Map<String, ?>> more) {
            more.forEach(this::add);
            return this;
        }

        /** The config list. */
        public ConfigList build() {
            return new ConfigList(entries);
        }
    }
}
