package dev.shrink4j.algorithms;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.nn.io.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A command-line config file: one JSON object that names the algorithm, its options and the config
 * list.
 * <pre>
 * {"pruner": "level", "config_list": [{"sparsity": 0.8, "op_types": ["default"]}]}
 * {"quantizer": "dorefa", "config_list": [...], "some_option": 3, "finetune": {"lr": 0.002}}
 * </pre>
 * The file must be strict JSON ({@link StrictJson}). Every problem of a file is reported at once, in one
 * {@link ConfigException} naming the file: its shape, the algorithm name, unknown options and options of
 * the wrong type or value, the {@code "finetune"} recipe, and — when the file is read with a
 * {@link ModelCheck}, as every command does — the config list against the algorithm and the model it
 * will compress (wrong keys and values, op names that match nothing, layers the algorithm cannot take).
 *
 * @param source     where it was read from (for messages), or {@code "<inline>"}
 * @param spec       the algorithm
 * @param configList the config list
 * @param options    the algorithm options
 * @param finetune   the fine-tuning settings the file recommends ({@link FinetuneRecipe#NONE} when it has none)
 */
public record CompressionConfig(String source, AlgorithmSpec spec, ConfigList configList, AlgorithmOptions options,
        FinetuneRecipe finetune) {

    /** The key of the config list. */
    public static final String CONFIG_LIST = "config_list";

    /**
     * Checks a parsed config against what it will compress, e.g. builds the algorithm over a fresh model
     * of the command's {@code --arch} and validates the config list
     * ({@code dev.shrink4j.algorithms.run.CompressorFactory.modelCheck}).
     */
    @FunctionalInterface
    public interface ModelCheck {

        /** No check beyond the file itself. */
        ModelCheck NONE = config -> List.of();

        /**
         * Every problem of {@code config} found against the model, one line each; empty when there is none.
         * {@code config}'s options hold only the well-typed ones when the file has other problems.
         */
        List<String> problems(CompressionConfig config);
    }

    /**
     * Reads and checks a config file without a model ({@link ModelCheck#NONE}).
     *
     * @param expected the kind the command needs, or null for either
     * @throws AlgorithmException when the file does not exist or cannot be read
     * @throws ConfigException naming the file and every problem in it
     */
    public static CompressionConfig read(Path file, AlgorithmRegistry registry, AlgorithmKind expected) {
        return read(file, registry, expected, ModelCheck.NONE);
    }

    /**
     * Reads a config file and checks it, also against the model with {@code check}.
     *
     * @param expected the kind the command needs, or null for either
     * @throws AlgorithmException when the file does not exist or cannot be read
     * @throws ConfigException naming the file and every problem in it
     */
    public static CompressionConfig read(Path file, AlgorithmRegistry registry, AlgorithmKind expected, ModelCheck check) {
        if (!Files.isRegularFile(file)) {
            throw new AlgorithmException("config file " + file + " does not exist");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new AlgorithmException("config file " + file + " cannot be read: " + e.getMessage(), e);
        }
        return parse(file.toString(), text, registry, expected, check);
    }

    /** Parses config-file text without a model check; {@code source} names it in messages. */
    public static CompressionConfig parse(String source, String text, AlgorithmRegistry registry, AlgorithmKind expected) {
        return parse(source, text, registry, expected, ModelCheck.NONE);
    }

    /**
     * Parses config-file text and checks it, also against the model with {@code check}; {@code source}
     * names it in messages.
     *
     * @throws ConfigException with subject {@code config <source>}, listing every problem found
     */
    public static CompressionConfig parse(String source, String text, AlgorithmRegistry registry, AlgorithmKind expected,
            ModelCheck check) {
        String subject = "config " + source;
        JsonElement root;
        try {
            root = StrictJson.parse(text);
        } catch (JsonParseException e) {
            throw new ConfigException(subject, List.of("not valid JSON (" + e.getMessage() + ")"));
        }
        if (!root.isJsonObject()) {
            throw new ConfigException(subject,
                    List.of("expected a JSON object {\"pruner\"|\"quantizer\": NAME, \"config_list\": [...]}"));
        }
        JsonObject obj = root.getAsJsonObject();
        Set<String> problems = new LinkedHashSet<>();
        AlgorithmSpec spec = algorithm(obj, registry, expected, problems);
        JsonElement list = obj.get(CONFIG_LIST);
        if (list == null) {
            problems.add("\"" + CONFIG_LIST + "\" is missing");
        } else if (!list.isJsonArray()) {
            problems.add("\"" + CONFIG_LIST + "\" must be a list of entries, got " + list);
        }
        AlgorithmOptions parsed = spec == null ? AlgorithmOptions.empty() : options(obj, spec, problems);
        List<String> recipeProblems = new ArrayList<>();
        FinetuneRecipe finetune = FinetuneRecipe.fromJson(obj.get(FinetuneRecipe.KEY), recipeProblems);
        problems.addAll(recipeProblems);
        if (spec == null || list == null || !list.isJsonArray()) {
            throw new ConfigException(subject, List.copyOf(problems)); // nothing to build a compressor from
        }
        CompressionConfig config = new CompressionConfig(source, spec, ConfigList.fromJson(list), parsed, finetune);
        problems.addAll(check.problems(config));
        if (!problems.isEmpty()) {
            throw new ConfigException(subject, List.copyOf(problems));
        }
        return config;
    }

    /** The algorithm the file names, or null (with the problem added) when it names none or an unknown one. */
    private static AlgorithmSpec algorithm(JsonObject obj, AlgorithmRegistry registry, AlgorithmKind expected,
            Set<String> problems) {
        boolean pruner = obj.has(AlgorithmKind.PRUNER.key());
        boolean quantizer = obj.has(AlgorithmKind.QUANTIZER.key());
        if (pruner == quantizer) {
            problems.add(pruner ? "names both a pruner and a quantizer; give one"
                    : "names no algorithm; add \"pruner\": NAME or \"quantizer\": NAME");
            return null;
        }
        AlgorithmKind kind = pruner ? AlgorithmKind.PRUNER : AlgorithmKind.QUANTIZER;
        if (expected != null && kind != expected) {
            problems.add("names a " + kind.key() + ", this command needs a " + expected.key());
            return null;
        }
        JsonElement name = obj.get(kind.key());
        if (!name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
            problems.add("\"" + kind.key() + "\" must be a string, got " + name);
            return null;
        }
        try {
            return registry.get(kind, name.getAsString());
        } catch (AlgorithmException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    /**
     * The file's algorithm options that are known and well typed; a problem is added for the unknown
     * ones (one line), each mistyped one, and options that fail the spec's check together ({@link AlgorithmSpec#checkOptions}).
     */
    private static AlgorithmOptions options(JsonObject obj, AlgorithmSpec spec, Set<String> problems) {
        JsonObject options = new JsonObject();
        List<String> unknown = new ArrayList<>();
        List<String> mistyped = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
            String key = e.getKey();
            if (key.equals(spec.kind().key()) || key.equals(CONFIG_LIST) || key.equals(FinetuneRecipe.KEY)) {
                continue;
            }
            OptionType type = spec.options().get(key);
            if (type == null) {
                unknown.add("\"" + key + "\"");
            } else if (!type.accepts(e.getValue())) {
                boolean tooLarge = type == OptionType.INTEGER && KeySpec.wholeNumber(e.getValue()) != null;
                mistyped.add("\"" + key + "\" must be " + type.description()
                        + (tooLarge ? " within [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE + "]" : "") + ", got " + e.getValue());
            } else {
                options.add(key, e.getValue());
            }
        }
        if (!unknown.isEmpty()) {
            problems.add("unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " for " + spec.kind().key() + " \"" + spec.name() + "\"; " + knownOptions(spec));
        }
        problems.addAll(mistyped);
        AlgorithmOptions parsed = new AlgorithmOptions(options);
        try {
            spec.checkOptions(parsed); // a schedule that cannot run is an error of the file, reported now
        } catch (AlgorithmException e) {
            problems.add(e.getMessage());
        }
        return parsed;
    }

    /**
     * The config as a config file says it, compact: the algorithm ({@code "pruner": NAME} or
     * {@code "quantizer": NAME}), its options, the {@code "finetune"} recipe when there is one, and the
     * config list. {@link #parse} reads it back to an equal config; exports record it in their metadata.
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty(spec.kind().key(), spec.name());
        options.toJson().entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        JsonObject recipe = finetune.toJson();
        if (!recipe.isEmpty()) {
            o.add(FinetuneRecipe.KEY, recipe);
        }
        JsonArray list = new JsonArray();
        configList.entries().forEach(e -> list.add(e.deepCopy()));
        o.add(CONFIG_LIST, list);
        return o.toString();
    }

    /**
     * The statistics (or calibration) batches this config's compressor needs before its masks or ranges
     * are final, known before it is built ({@link AlgorithmSpec#statisticsBatches(AlgorithmOptions)}).
     */
    public int statisticsBatches() {
        return spec.statisticsBatches(options);
    }

    private static String knownOptions(AlgorithmSpec spec) {
        if (spec.options().isEmpty()) {
            return "it takes no options";
        }
        return "known options: " + spec.options().entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue().description() + ")").collect(Collectors.joining(", "));
    }

    /**
     * The same config with {@code sparsity} set to {@code sparsity} in every entry that is not an
     * {@code exclude} entry ({@code sparsity_per_layer} is replaced too), for sparsity sweeps.
     */
    public CompressionConfig withSparsity(double sparsity) {
        JsonArray entries = new JsonArray();
        for (JsonElement e : configList.entries()) {
            JsonElement copy = e.deepCopy();
            if (copy.isJsonObject()) {
                JsonObject o = copy.getAsJsonObject();
                boolean exclude = o.has(ConfigKeys.EXCLUDE) && o.get(ConfigKeys.EXCLUDE).isJsonPrimitive()
                        && o.get(ConfigKeys.EXCLUDE).getAsJsonPrimitive().isBoolean() && o.get(ConfigKeys.EXCLUDE).getAsBoolean();
                if (!exclude) {
                    if (o.has(ConfigKeys.SPARSITY_PER_LAYER)) {
                        o.add(ConfigKeys.SPARSITY_PER_LAYER, new JsonPrimitive(sparsity));
                    } else {
                        o.add(ConfigKeys.SPARSITY, new JsonPrimitive(sparsity));
                    }
                }
            }
            entries.add(copy);
        }
        return new CompressionConfig(source + " (sparsity " + sparsity + ")", spec, ConfigList.fromJson(entries), options, finetune);
    }
}
