package dev.shrink4j.algorithms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.shrink4j.algorithms.run.CompressorFactory;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.workbench.train.Loss;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of config files: every valid file in {@code configs/} is mutated {@value #CASES_PER_FILE}
 * times (characters deleted, duplicated, swapped, inserted; the text truncated; numbers replaced by huge,
 * negative, fractional, non-finite or non-numeric literals; values changed to other types; keys dropped,
 * added, duplicated or renamed; entries dropped or duplicated; the algorithm renamed) and read as the
 * command line reads it, checked against LeNet-5 (ResNet-20 for slim, which needs BatchNorm2d layers). Each case must end in a {@link ConfigException}, or be
 * accepted and then survive what a run does first: {@code compress()}, the algorithm's statistics or
 * calibration batches, and one training step. Anything else — another exception, a JVM crash — fails.
 */
class ConfigFuzzTest {

    static final Path CONFIGS = Path.of("..", "configs").toAbsolutePath().normalize();
    /** Cases per config file; the environment variable {@code SHRINK4J_FUZZ_CASES=N} runs more (or fewer) to explore. */
    static final int CASES_PER_FILE = (int) setting("SHRINK4J_FUZZ_CASES", 130);
    /** The seed of every mutation; {@code SHRINK4J_FUZZ_SEED=S} explores other cases. */
    static final long SEED = setting("SHRINK4J_FUZZ_SEED", 20261123L);

    private static long setting(String variable, long fallback) {
        String v = System.getenv(variable);
        return v == null || v.isBlank() ? fallback : Long.parseLong(v.strip());
    }
    /** Statistics batches a case runs at most; configs asking for more are compressed and stepped only. */
    static final int MAX_STATISTICS_BATCHES = 10;

    /** Numbers and other literals that replace a number (written as text: NaN is not JSON). */
    static final String[] NUMBER_LITERALS = {"0", "1", "-1", "2", "8", "8.0", "2.5", "0.5", "-0.5", "0.999999999", "1e20", "-1e20",
        "1e999", "1e-400", "18446744073709551617", "2147483647", "2147483648", "-2147483649", "33", "32", "31", "NaN",
        "Infinity", "-Infinity", "\"3\"", "true", "null", "[]", "{}", "[1]", "01", "1.", ".5", "1e", "--1"};
    /** Strings that replace a string. */
    static final String[] STRING_LITERALS = {"", "default", "Conv2d", "Linear", "ReLU", "MaxPool2d", "BatchNorm2d", "Flatten",
        "conv1", "conv2", "fc1", "fc3", "relu1", "pool1", "fc9", "weight", "input", "output", "bias", "int", "uint",
        "per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric", "level", "l1", "l2", "fpgm",
        "qat", "lsq", "bnn", "observer", "relu", "relu6", "sigmoid", "ümlaut", "\\u0000", "a\\nb"};
    /** Keys an entry or a file may carry (known to some algorithm, or misspelt). */
    static final String[] KEYS = {"sparsity", "sparsity_per_layer", "op_types", "op_names", "exclude", "quant_types", "quant_bits",
        "quant_start_step", "quant_scheme", "quant_dtype", "prune_iterations", "statistics_batch_num", "global_sort",
        "dependency_aware", "initial_sparsity", "start_epoch", "end_epoch", "frequency", "pruning_algorithm", "scale",
        "ema_decay", "activation", "reset_weights", "finetune", "lr", "batch_size", "epochs", "sparsty", "config_list",
        "pruner", "quantizer"};
    static final String[] ALGORITHMS = {"level", "l1-filter", "l2-filter", "fpgm", "slim", "taylor-fo", "apoz", "mean-activation",
        "agp", "lottery-ticket", "naive", "qat", "dorefa", "bnn", "lsq", "observer", "int4"};
    static final String ALPHABET = "{}[]\",:'/\\ \n0123456789.-+eEaNtfnul#";
    static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    static final Pattern STRING = Pattern.compile("\"([^\"\\\\]*)\"");
    static final Pattern KEY = Pattern.compile("\"([^\"\\\\]*)\"\\s*:");

    /** Random images shaped as Fashion-MNIST's and CIFAR-10's, in batches of 2. */
    static Dataset fashion;
    static Dataset cifar;

    @BeforeAll
    static void data() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(3);
            Tensor labels = Tensor.create(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 8);
            fashion = new Dataset("fuzz", torch.rand(8, 1, 28, 28), labels, 10);
            cifar = new Dataset("fuzz", torch.rand(8, 3, 32, 32), labels, 10);
        }
    }

    @AfterAll
    static void close() {
        fashion.close();
        cifar.close();
    }

    /**
     * The model a config is checked and run on: LeNet-5, except for slim, which prunes BatchNorm2d
     * channels (LeNet-5 has none; its mutations run on ResNet-20, as ExampleConfigsTest does).
     */
    record Target(String arch, int channels, int size, DataLoader loader) {
        static Target of(Path file) {
            boolean bn = file.getFileName().toString().equals("slim.json");
            return bn ? new Target("resnet20", 3, 32, DataLoader.builder().setDataset(cifar).setBatchSize(2).build())
                    : new Target("lenet5", 1, 28, DataLoader.builder().setDataset(fashion).setBatchSize(2).build());
        }

        /** A fresh model of 10 classes, as {@code --arch} gives it. */
        Module create() {
            return ModelZoo.create(arch, channels, 10);
        }

        long[] inputShape() {
            return new long[] {1, channels, size, size};
        }

        /** The config check the command line makes, with an optimizer. */
        CompressionConfig.ModelCheck check() {
            return CompressorFactory.modelCheck(this::create, inputShape(), c -> true);
        }
    }

    /** How one case ended. */
    enum Outcome { REJECTED, ACCEPTED }

    @Test
    void everyMutatedConfigIsAConfigExceptionOrRuns() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CONFIGS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(16, files.size(), "one config per algorithm in " + CONFIGS);
        AlgorithmRegistry registry = BuiltinAlgorithms.registry();
        Random random = new Random(SEED);
        Map<Outcome, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> accepted = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        int cases = 0;
        for (Path file : files) {
            String original = Files.readString(file);
            Target target = Target.of(file);
            // the unmutated file itself is accepted (or the ConfigException says why) and runs
            CompressionConfig.parse(file.toString(), original, registry, null, target.check());
            assertEquals(Outcome.ACCEPTED, run(registry, target, file.getFileName().toString(), original));
            for (int i = 0; i < CASES_PER_FILE; i++) {
                String text = original;
                int roll = random.nextInt(10);
                int mutations = roll < 6 ? 1 : roll < 9 ? 2 : 3;
                StringBuilder applied = new StringBuilder();
                for (int m = 0; m < mutations; m++) {
                    text = mutate(text, random, applied);
                }
                String name = file.getFileName() + "#" + i;
                cases++;
                try {
                    Outcome o = run(registry, target, name, text);
                    outcomes.merge(o, 1, Integer::sum);
                    if (o == Outcome.ACCEPTED) {
                        accepted.merge(file.getFileName().toString(), 1, Integer::sum);
                    }
                } catch (Throwable t) {
                    StringWriter trace = new StringWriter();
                    t.printStackTrace(new PrintWriter(trace));
                    failures.add(name + " [" + applied + "] " + t + "\n--- config:\n" + text + "\n--- trace:\n"
                            + trace.toString().lines().limit(12).reduce("", (a, b) -> a + b + "\n"));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("config fuzzing (seed %d): %d cases in %.1f s: %s; accepted per file: %s%n", SEED, cases, seconds,
                outcomes, accepted);
        assertTrue(failures.isEmpty(), failures.size() + " case(s) ended in something other than a ConfigException:\n"
                + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
        assertTrue(cases >= 2000 || CASES_PER_FILE != 130, "cases: " + cases);
        // both paths are exercised, not only the parser
        assertTrue(outcomes.getOrDefault(Outcome.ACCEPTED, 0) >= 100, outcomes.toString());
        assertEquals(files.size(), accepted.size(), "every config has accepted mutations: " + accepted);
        assertTrue(outcomes.getOrDefault(Outcome.REJECTED, 0) >= 1000, outcomes.toString());
    }

    /**
     * Reads {@code text} as {@code prune}/{@code quantize} do, checked against LeNet-5; when accepted, compresses
     * LeNet-5, runs the statistics or calibration batches the algorithm asks for (up to
     * {@value #MAX_STATISTICS_BATCHES}) and one training step.
     */
    static Outcome run(AlgorithmRegistry registry, Target target, String name, String text) {
        CompressionConfig cfg;
        try {
            cfg = CompressionConfig.parse(name, text, registry, null, target.check());
        } catch (ConfigException e) {
            String message = e.getMessage();
            if (!message.startsWith("config " + name) || message.contains("java.") || message.contains("com.google")) {
                throw new AssertionError("the message should name the file and only the problem: " + message, e);
            }
            return Outcome.REJECTED;
        }
        try (PointerScope scope = new PointerScope();
                Module model = target.create();
                Optimizer optimizer = Adam.builder().setLearningRate(1e-3).build(model.parameters());
                Compressor c = CompressorFactory.create(cfg, model, optimizer, target.inputShape(), Compressor.class)) {
            DataLoader loader = target.loader();
            int statistics = cfg.statisticsBatches();
            ProtocolTrainer protocol = new ProtocolTrainer(model, c);
            if (statistics > 0 && statistics <= MAX_STATISTICS_BATCHES && c instanceof DataDriven) {
                protocol.runStatistics(loader, statistics, ProtocolTrainer.Progress.NONE);
                protocol.finishStatistics();
            }
            protocol.startRound(0);
            protocol.listener().onEpochStart(null, 0); // what a trainer's first epoch start tells the compressor
            model.train();
            Batch b = loader.iterator().next();
            Loss.crossEntropy().compute(model.call(b.x()), b.y()).backward();
            optimizer.step();
            optimizer.zeroGrad();
            model.eval();
            model.call(b.x());
        }
        return Outcome.ACCEPTED;
    }

    /** One random mutation of {@code text}; tree mutations need parseable text and fall back to text ones. */
    static String mutate(String text, Random r, StringBuilder applied) {
        // seven in ten mutations change the parsed tree (a value, a key, an entry), four of them to a value the
        // key could have, so that many cases are valid JSON and reach the algorithms with unusual settings
        // (1-bit int grids, per-channel activations of ReLUs…); the others break the text
        int roll = r.nextInt(10);
        int kind = roll < 4 ? 14 : roll < 7 ? 8 + r.nextInt(6) : r.nextInt(8);
        if (kind >= 8) {
            JsonElement root;
            try {
                root = StrictJson.parse(text);
            } catch (RuntimeException e) {
                kind = r.nextInt(8);
                root = null;
            }
            if (root != null) {
                applied.append(kind).append(' ');
                mutateTree(root, kind, r);
                return root.toString();
            }
        }
        applied.append(kind).append(' ');
        if (text.isEmpty()) {
            return String.valueOf(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        int at = r.nextInt(text.length());
        return switch (kind) {
            case 0 -> text.substring(0, at) + text.substring(at + 1); // delete a character
            case 1 -> text.substring(0, at + 1) + text.substring(at); // duplicate a character
            case 2 -> at + 1 < text.length()                          // swap two characters
                    ? text.substring(0, at) + text.charAt(at + 1) + text.charAt(at) + text.substring(at + 2) : text;
            case 3 -> text.substring(0, at) + ALPHABET.charAt(r.nextInt(ALPHABET.length())) + text.substring(at);
            case 4 -> text.substring(0, at);                          // truncate
            case 5 -> replaceOne(text, NUMBER, r, NUMBER_LITERALS[r.nextInt(NUMBER_LITERALS.length)]);
            case 6 -> replaceOne(text, STRING, r, "\"" + STRING_LITERALS[r.nextInt(STRING_LITERALS.length)] + "\"");
            default -> duplicateKey(text, r);
        };
    }

    /** Replaces one random match of {@code p} in {@code text} by {@code replacement}. */
    static String replaceOne(String text, Pattern p, Random r, String replacement) {
        List<int[]> spans = spans(text, p);
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return text.substring(0, s[0]) + replacement + text.substring(s[1]);
    }

    /** Inserts {@code "key": literal,} before a random key, so that key appears twice in its object. */
    static String duplicateKey(String text, Random r) {
        List<int[]> spans = spans(text, KEY);
        if (spans.isEmpty()) {
            return text;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        String key = text.substring(s[0], s[1]);
        return text.substring(0, s[0]) + key + " " + NUMBER_LITERALS[r.nextInt(NUMBER_LITERALS.length)] + ", " + text.substring(s[0]);
    }

    static List<int[]> spans(String text, Pattern p) {
        List<int[]> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(new int[] {m.start(), m.end()});
        }
        return out;
    }

    /** Values a key could plausibly have, valid JSON of the right type for some algorithm. */
    static final Map<String, String[]> PLAUSIBLE = Map.ofEntries(
            Map.entry("sparsity", new String[] {"0", "0.0", "0.5", "0.9", "0.999999", "1e-3"}),
            Map.entry("initial_sparsity", new String[] {"0", "0.5", "0.9"}),
            Map.entry("quant_bits", new String[] {"1", "2", "4", "8", "8.0", "16", "31", "32", "{\"weight\": 1}",
                "{\"weight\": 2, \"input\": 8, \"output\": 1}", "{\"input\": 4}"}),
            Map.entry("quant_types", new String[] {"[\"weight\"]", "[\"input\"]", "[\"output\"]", "[\"weight\", \"input\", \"output\"]",
                "[\"input\", \"output\"]"}),
            Map.entry("quant_dtype", new String[] {"\"int\"", "\"uint\""}),
            Map.entry("quant_scheme", new String[] {"\"per_tensor_affine\"", "\"per_tensor_symmetric\"", "\"per_channel_affine\"",
                "\"per_channel_symmetric\""}),
            Map.entry("quant_start_step", new String[] {"0", "1", "5"}),
            Map.entry("op_types", new String[] {"[\"default\"]", "[\"Conv2d\"]", "[\"Linear\"]", "[\"ReLU\"]", "[\"MaxPool2d\"]",
                "[\"Conv2d\", \"Linear\"]", "[\"BatchNorm2d\"]", "[\"Flatten\"]"}),
            Map.entry("op_names", new String[] {"[\"conv1\"]", "[\"fc3\"]", "[\"relu1\"]", "[\"conv1\", \"fc1\"]", "[\"bn1\"]",
                "[\"layer1.0.conv1\"]", "[\"layer1.0.bn1\"]", "[\"fc\"]"}),
            Map.entry("exclude", new String[] {"true", "false"}),
            Map.entry("prune_iterations", new String[] {"1", "2", "3"}),
            Map.entry("statistics_batch_num", new String[] {"1", "2", "3", "100"}),
            Map.entry("global_sort", new String[] {"true", "false"}),
            Map.entry("dependency_aware", new String[] {"true", "false"}),
            Map.entry("start_epoch", new String[] {"0", "1", "0.5"}),
            Map.entry("end_epoch", new String[] {"1", "2", "0.5", "3"}),
            Map.entry("frequency", new String[] {"1", "0.5", "0.1", "2"}),
            Map.entry("pruning_algorithm", new String[] {"\"level\"", "\"l1\"", "\"l2\"", "\"fpgm\"", "\"slim\"", "\"taylorfo\""}),
            Map.entry("scale", new String[] {"0", "1e-4", "0.1"}),
            Map.entry("ema_decay", new String[] {"0", "0.5", "0.99"}),
            Map.entry("activation", new String[] {"\"relu\"", "\"relu6\""}),
            Map.entry("reset_weights", new String[] {"true", "false"}),
            Map.entry("finetune", new String[] {"{\"lr\": 0.001}", "{\"epochs\": 0}", "{\"batch_size\": 2, \"epochs\": 1}"}));

    static final List<String> QUANT_KEYS = List.of("quant_bits", "quant_dtype", "quant_scheme", "quant_types", "op_types");

    /** Mutates a random object, array or value of the tree in place. */
    static void mutateTree(JsonElement root, int kind, Random r) {
        List<JsonElement> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty()) {
            return;
        }
        if (kind == 14) {
            // plausible values for one to four plausible keys of a random object (an entry, or the file): half the
            // time the quantization keys, whose combinations (bits × dtype × scheme × types) are where grids break
            List<JsonElement> objects = containers.stream().filter(JsonElement::isJsonObject).toList();
            if (!objects.isEmpty()) {
                JsonObject o = objects.get(r.nextInt(objects.size())).getAsJsonObject();
                List<String> keys = new ArrayList<>(r.nextBoolean() ? QUANT_KEYS : PLAUSIBLE.keySet());
                keys.sort(null); // Map.ofEntries has no stable order; the seed must give the same cases
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    String key = keys.get(r.nextInt(keys.size()));
                    String[] values = PLAUSIBLE.get(key);
                    o.add(key, JsonParser.parseString(values[r.nextInt(values.length)]));
                }
            }
            return;
        }
        JsonElement target = containers.get(r.nextInt(containers.size()));
        if (target.isJsonArray()) {
            JsonArray a = target.getAsJsonArray();
            switch (kind) {
                case 8 -> {
                    if (!a.isEmpty()) {
                        a.remove(r.nextInt(a.size())); // drop an entry
                    }
                }
                case 9 -> {
                    if (!a.isEmpty()) {
                        a.add(a.get(r.nextInt(a.size())).deepCopy()); // duplicate an entry
                    }
                }
                default -> {
                    if (!a.isEmpty()) {
                        a.set(r.nextInt(a.size()), randomValue(r));
                    }
                }
            }
            return;
        }
        JsonObject o = target.getAsJsonObject();
        List<String> keys = new ArrayList<>(o.keySet());
        String key = keys.isEmpty() ? null : keys.get(r.nextInt(keys.size()));
        switch (kind) {
            case 8 -> {
                if (key != null) {
                    o.remove(key); // drop a key
                }
            }
            case 9 -> o.add(KEYS[r.nextInt(KEYS.length)], randomValue(r)); // add (or replace) a key
            case 10 -> {
                if (key != null) {
                    o.add(key, retype(o.get(key), r)); // change a value's type
                }
            }
            case 11 -> {
                if (key != null) {
                    JsonElement v = o.remove(key);
                    o.add(KEYS[r.nextInt(KEYS.length)], v); // rename a key
                }
            }
            case 12 -> {
                if (o.has("pruner") || o.has("quantizer")) {
                    o.remove("pruner");
                    o.remove("quantizer");
                    String algorithm = ALGORITHMS[r.nextInt(ALGORITHMS.length)];
                    o.addProperty(r.nextBoolean() ? "pruner" : "quantizer", algorithm); // another algorithm
                } else if (key != null) {
                    o.add(key, randomValue(r));
                }
            }
            default -> {
                if (key != null) {
                    o.add(key, randomValue(r));
                }
            }
        }
    }

    static void collect(JsonElement e, List<JsonElement> out) {
        if (e.isJsonObject()) {
            out.add(e);
            e.getAsJsonObject().entrySet().forEach(kv -> collect(kv.getValue(), out));
        } else if (e.isJsonArray()) {
            out.add(e);
            e.getAsJsonArray().forEach(x -> collect(x, out));
        }
    }

    /** A value of another type carrying the old one: a list, an object, its text as a string, null. */
    static JsonElement retype(JsonElement v, Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> {
                JsonArray a = new JsonArray();
                a.add(v);
                yield a;
            }
            case 1 -> {
                JsonObject o = new JsonObject();
                o.add("weight", v);
                yield o;
            }
            case 2 -> new JsonPrimitive(v.isJsonPrimitive() ? v.getAsString() : v.toString());
            default -> com.google.gson.JsonNull.INSTANCE;
        };
    }

    /** A random valid-JSON value: a number literal, a string, a boolean, a list of strings, an object. */
    static JsonElement randomValue(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> {
                String n = NUMBER_LITERALS[r.nextInt(NUMBER_LITERALS.length)];
                yield NUMBER.matcher(n).matches() ? JsonParser.parseString(n) : new JsonPrimitive(r.nextInt(40) - 5);
            }
            case 1 -> new JsonPrimitive(STRING_LITERALS[r.nextInt(STRING_LITERALS.length)]);
            case 2 -> new JsonPrimitive(r.nextBoolean());
            case 3 -> {
                JsonArray a = new JsonArray();
                int n = r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    a.add(STRING_LITERALS[r.nextInt(STRING_LITERALS.length)]);
                }
                yield a;
            }
            default -> {
                JsonObject o = new JsonObject();
                o.add(new String[] {"weight", "input", "output", "lr"}[r.nextInt(4)], new JsonPrimitive(r.nextInt(12)));
                yield o;
            }
        };
    }
}
