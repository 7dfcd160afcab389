package dev.shrink4j.cli.algo;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.cli.UsageException;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A command-line config file: one JSON object that names the algorithm, its options and the config
 * list.
 * <pre>
 * {"pruner": "level", "config_list": [{"sparsity": 0.8, "op_types": ["default"]}]}
 * {"quantizer": "dorefa", "config_list": [...], "some_option": 3, "finetune": {"lr": 0.002}}
 * </pre>
 * Parsing checks the shape of the file, the algorithm name and the options (unknown keys and wrong
 * types are errors naming them); the config list itself is checked against the model when the
 * compressor's {@code compress()} runs.
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
     * Reads and checks a config file.
     *
     * @param expected the kind the command needs, or null for either
     * @throws UsageException naming the file and the problem
     */
    public static CompressionConfig read(Path file, AlgorithmRegistry registry, AlgorithmKind expected) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("config file " + file + " does not exist");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UsageException("config file " + file + " cannot be read: " + e.getMessage(), e);
        }
        return parse(file.toString(), text, registry, expected);
    }

    /** Parses config-file text; {@code source} names it in messages. */
    public static CompressionConfig parse(String source, String text, AlgorithmRegistry registry, AlgorithmKind expected) {
        String where = "config " + source + ": ";
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new UsageException(where + "not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (!root.isJsonObject()) {
            throw new UsageException(where + "expected a JSON object {\"pruner\"|\"quantizer\": NAME, \"config_list\": [...]}");
        }
        JsonObject obj = root.getAsJsonObject();
        boolean pruner = obj.has(AlgorithmKind.PRUNER.key());
        boolean quantizer = obj.has(AlgorithmKind.QUANTIZER.key());
        if (pruner == quantizer) {
            throw new UsageException(where + (pruner ? "names both a pruner and a quantizer; give one"
                    : "names no algorithm; add \"pruner\": NAME or \"quantizer\": NAME"));
        }
        AlgorithmKind kind = pruner ? AlgorithmKind.PRUNER : AlgorithmKind.QUANTIZER;
        if (expected != null && kind != expected) {
            throw new UsageException(where + "names a " + kind.key() + ", this command needs a " + expected.key());
        }
        JsonElement name = obj.get(kind.key());
        if (!name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
            throw new UsageException(where + "\"" + kind.key() + "\" must be a string, got " + name);
        }
        AlgorithmSpec spec;
        try {
            spec = registry.get(kind, name.getAsString());
        } catch (UsageException e) {
            throw new UsageException(where + e.getMessage(), e);
        }
        JsonElement list = obj.get(CONFIG_LIST);
        if (list == null) {
            throw new UsageException(where + "\"" + CONFIG_LIST + "\" is missing");
        }
        if (!list.isJsonArray()) {
            throw new UsageException(where + "\"" + CONFIG_LIST + "\" must be a list of entries, got " + list);
        }
        JsonObject options = new JsonObject();
        List<String> unknown = new ArrayList<>();
        List<String> mistyped = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : obj.entrySet()) {
            String key = e.getKey();
            if (key.equals(kind.key()) || key.equals(CONFIG_LIST) || key.equals(FinetuneRecipe.KEY)) {
                continue;
            }
            OptionType type = spec.options().get(key);
            if (type == null) {
                unknown.add("\"" + key + "\"");
            } else if (!type.accepts(e.getValue())) {
                mistyped.add("\"" + key + "\" must be " + type.description() + ", got " + e.getValue());
            } else {
                options.add(key, e.getValue());
            }
        }
        if (!unknown.isEmpty()) {
            throw new UsageException(where + "unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " for " + kind.key() + " \"" + spec.name() + "\"; " + knownOptions(spec));
        }
        if (!mistyped.isEmpty()) {
            throw new UsageException(where + String.join("; ", mistyped));
        }
        AlgorithmOptions parsed = new AlgorithmOptions(options);
        FinetuneRecipe finetune;
        try {
            spec.driver(parsed); // a schedule that cannot run is an error of the file, reported now
            finetune = FinetuneRecipe.fromJson(obj.get(FinetuneRecipe.KEY));
        } catch (UsageException e) {
            throw new UsageException(where + e.getMessage(), e);
        }
        return new CompressionConfig(source, spec, ConfigList.fromJson(list), parsed, finetune);
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

    /** How training drives this config's algorithm with its options. */
    public Driver driver() {
        return spec.driver(options);
    }

    private static String knownOptions(AlgorithmSpec spec) {
        if (spec.options().isEmpty()) {
            return "it takes no options";
        }
        return "known options: " + spec.options().entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue().description() + ")").collect(Collectors.joining(", "));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
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
