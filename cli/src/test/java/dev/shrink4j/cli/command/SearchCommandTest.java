package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shrink4j search} on the seed-7 LeNet-5 and a tiny IDX dataset (200 training samples, the last 50 held
 * out), with tiny episode and generation counts. LeNet-5's Conv2d + Linear MACs at full width (with bias):
 * conv1 6·28·28·26 = 122,304, conv2 16·10·10·151 = 241,600, fc1 120·401 = 48,120, fc2 84·121 = 10,164,
 * fc3 10·85 = 850: 423,038.
 */
class SearchCommandTest {

    private static final long FULL_MACS = 423_038;

    @TempDir
    Path dir;

    private Path config(String name, String json) throws IOException {
        Path cfg = dir.resolve(name + ".json");
        Files.writeString(cfg, json);
        return cfg;
    }

    private CliTests.Result search(Path config, Path out, String flops, String... more) throws IOException {
        Path data = Files.isDirectory(dir.resolve("data")) ? dir.resolve("data") : TinyIdx.write(dir.resolve("data"), 200, 20);
        List<String> args = new java.util.ArrayList<>(List.of("search", "--arch", "lenet5", "--weights",
                CliTests.lenet5Weights(dir).toString(), "--config", config.toString(), "--flops", flops, "--out",
                out.toString(), "--data-dir", data.toString(), "--train-samples", "200", "--threads", "1"));
        args.addAll(List.of(more));
        return CliTests.run(args.toArray(String[]::new));
    }

    /** Conv2d + Linear MACs of a safetensors file written with its layer widths. */
    private static long macs(Path file) throws IOException {
        try (Module m = ModelZoo.load(file)) {
            return ModelProfiler.profile(m, 1, 1, 28, 28).layers().stream()
                    .filter(l -> l.type().equals("Conv2d") || l.type().equals("Linear")).mapToLong(l -> l.flops()).sum();
        }
    }

    @Test
    void geneticSearchWritesALogAConfigPruneReproducesAndTheShrunkModel() throws IOException {
        Path out = dir.resolve("ga");
        CliTests.Result r = search(config("ga", "{\"search\": \"genetic\", \"seed\": 3, \"generations\": 2,"
                + " \"population\": 4, \"parents\": 2, \"mutations\": 2, \"crossovers\": 2, \"validation_size\": 50}"), out, "0.5");
        r.assertSucceeded();
        assertTrue(r.out().contains("genetic"), r.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("<img alt=\"Reward per candidate (genetic)\""));
        // generation 0 scores 4 random candidates, generation 1 up to 4 more (duplicates and over-budget rejected)
        long logged = Files.readAllLines(out.resolve("search.jsonl")).size();
        assertTrue(logged >= 4 && logged <= 8, "logged " + logged);

        assertChannelPruningConfigKeepingConv1(out);
        long searched = macs(out.resolve("model.safetensors"));
        assertTrue(searched <= 0.5 * FULL_MACS, searched + " MACs, over half of " + FULL_MACS);
        assertTrue(ModelMetadata.of(SafeTensors.metadata(out.resolve("model.safetensors"))).layerWidths().isPresent());

        // prune with the searched config and shrink: the same layer widths, so the same FLOPs
        // the installed registry (channel-pruning comes from the amc module), as the shrink4j launcher loads it
        java.io.StringWriter pruneOut = new java.io.StringWriter();
        java.io.StringWriter pruneErr = new java.io.StringWriter();
        int code = dev.shrink4j.cli.Shrink4j.execute(dev.shrink4j.algorithms.AlgorithmRegistry.load(),
                new java.io.PrintWriter(pruneOut, true), new java.io.PrintWriter(pruneErr, true), "prune", "--arch", "lenet5",
                "--weights", CliTests.lenet5Weights(dir).toString(), "--config", out.resolve("best-config.json").toString(),
                "--out", dir.resolve("prune").toString(), "--threads", "1", "--speedup", "--data-dir",
                dir.resolve("data").toString(), "--train-samples", "200", "--test-samples", "20");
        CliTests.Result pruned = new CliTests.Result(code, pruneOut.toString(), pruneErr.toString());
        pruned.assertSucceeded();
        assertEquals(searched, macs(dir.resolve("prune").resolve("model-shrunk.safetensors")));
    }

    @Test
    void aResumedDdpgSearchContinuesIdentically() throws IOException {
        Path cfg = config("amc", "{\"search\": \"amc-ddpg\", \"seed\": 2, \"episodes\": 5, \"warmup\": 3, \"validation_size\": 50}");
        Path whole = dir.resolve("whole");
        search(cfg, whole, "0.5").assertSucceeded();
        List<String> log = Files.readAllLines(whole.resolve("search.jsonl"));
        assertEquals(5, log.size());

        Path cut = dir.resolve("cut");
        Files.createDirectories(cut);
        Files.write(cut.resolve("search.jsonl"), log.subList(0, 3));
        CliTests.Result resumed = search(cfg, cut, "0.5", "--resume");
        resumed.assertSucceeded();
        assertTrue(resumed.out().contains("5 (3 resumed)"), resumed.out());
        assertEquals(Files.readString(whole.resolve("search.jsonl")), Files.readString(cut.resolve("search.jsonl")));
        assertEquals(Files.readString(whole.resolve("best-config.json")), Files.readString(cut.resolve("best-config.json")));
    }

    @Test
    void simulatedAnnealingAndTheUniformBaselineKeepTheBudget() throws IOException {
        Path sa = dir.resolve("sa");
        search(config("sa", "{\"search\": \"simulated-annealing\", \"seed\": 4, \"start_temperature\": 100,"
                + " \"stop_temperature\": 90, \"validation_size\": 50}"), sa, "0.5").assertSucceeded();
        long saMacs = macs(sa.resolve("model.safetensors"));
        assertTrue(saMacs <= 0.5 * FULL_MACS, saMacs + " MACs, over half of " + FULL_MACS);

        Path uniform = dir.resolve("uniform");
        CliTests.Result r = search(config("uniform", "{\"search\": \"uniform\", \"validation_size\": 50}"), uniform, "0.5");
        r.assertSucceeded();
        assertEquals(1, Files.readAllLines(uniform.resolve("search.jsonl")).size());
        // one ratio for all five layers: conv1 reads the image, so its ratio is 1 and only the others carry it
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("conv2=([0-9.]+) fc1=([0-9.]+) fc2=([0-9.]+) fc3=([0-9.]+)")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(m.group(1), m.group(2));
        assertEquals(m.group(1), m.group(3));
        assertEquals(m.group(1), m.group(4));
        long uniformMacs = macs(uniform.resolve("model.safetensors"));
        assertTrue(uniformMacs <= 0.5 * FULL_MACS, uniformMacs + " MACs, over half of " + FULL_MACS);
    }

    /**
     * With {@code fine_tune_steps} each candidate is fine-tuned before it is scored, and the model the search writes is
     * the one it scored: one step of Adam at 0.01 moves every weight of the plain uniform model by Adam's first step,
     * lr · g / (|g| + 1e-8), so by at most 0.01 and by 0.01 where the gradient is not zero; the widths are the same.
     */
    @Test
    void aShortFineTuneScoresAndWritesTheFineTunedCandidate() throws IOException {
        Path plain = dir.resolve("plain");
        search(config("plain", "{\"search\": \"uniform\", \"validation_size\": 50}"), plain, "0.5").assertSucceeded();
        Path tuned = dir.resolve("tuned");
        search(config("tuned", "{\"search\": \"uniform\", \"validation_size\": 50, \"fine_tune_steps\": 1,"
                + " \"fine_tune_lr\": 0.01}"), tuned, "0.5").assertSucceeded();
        assertEquals(macs(plain.resolve("model.safetensors")), macs(tuned.resolve("model.safetensors")));
        java.util.Map<String, org.bytedeco.pytorch.Tensor> before = SafeTensors.load(plain.resolve("model.safetensors"));
        java.util.Map<String, org.bytedeco.pytorch.Tensor> after = SafeTensors.load(tuned.resolve("model.safetensors"));
        assertEquals(before.keySet(), after.keySet());
        double largest = 0;
        for (String name : before.keySet()) {
            double moved = before.get(name).sub(after.get(name)).abs().max().item_double();
            assertTrue(moved <= 0.01 + 1e-6, name + " moved " + moved);
            largest = Math.max(largest, moved);
        }
        assertEquals(0.01, largest, 1e-6);
    }

    /**
     * With {@code finalists} the genetic search's best distinct candidates are scored on more fine-tune seeds: the
     * file holds them best logged score first, each one's first reward is its logged score, and the best config, the
     * model and the table are the finalist of best mean.
     */
    @Test
    void finalistsRescoreTheBestCandidatesAndTheBestMeanWins() throws IOException {
        Path out = dir.resolve("finalists");
        CliTests.Result r = search(config("finalists", "{\"search\": \"genetic\", \"seed\": 3, \"generations\": 2,"
                + " \"population\": 4, \"parents\": 2, \"mutations\": 2, \"crossovers\": 2, \"validation_size\": 50,"
                + " \"fine_tune_steps\": 2, \"fine_tune_lr\": 0.01, \"finalists\": 3, \"finalist_seeds\": 2}"), out, "0.5");
        r.assertSucceeded();
        List<com.google.gson.JsonObject> logged = Files.readAllLines(out.resolve("search.jsonl")).stream()
                .map(l -> com.google.gson.JsonParser.parseString(l).getAsJsonObject()).toList();
        List<com.google.gson.JsonObject> finalists = Files.readAllLines(out.resolve("finalists.jsonl")).stream()
                .map(l -> com.google.gson.JsonParser.parseString(l).getAsJsonObject()).toList();
        assertEquals(3, finalists.size());
        double bestMean = Double.NEGATIVE_INFINITY;
        com.google.gson.JsonObject chosen = null;
        double previousFirst = Double.POSITIVE_INFINITY;
        for (com.google.gson.JsonObject f : finalists) {
            com.google.gson.JsonArray rewards = f.getAsJsonArray("rewards");
            assertEquals(2, rewards.size());
            double first = rewards.get(0).getAsDouble();
            // the first reward is the logged score of a candidate with these ratios
            assertTrue(logged.stream().anyMatch(l -> l.get("keep_ratios").equals(f.get("keep_ratios"))
                    && l.get("reward").getAsDouble() == first), f.toString());
            assertTrue(first <= previousFirst, "not best logged score first: " + finalists);
            previousFirst = first;
            double mean = (first + rewards.get(1).getAsDouble()) / 2;
            assertEquals(mean, f.get("mean_reward").getAsDouble(), 1e-12);
            if (mean > bestMean) {
                bestMean = mean;
                chosen = f;
            }
        }
        // the table marks the chosen finalist and prints its mean; the written model is within the budget
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "* mean %.4f", bestMean)), r.out());
        assertTrue(r.out().contains(out.resolve("finalists.jsonl").toString()), r.out());
        assertTrue(macs(out.resolve("model.safetensors")) <= 0.5 * FULL_MACS);
        // best-config.json holds the chosen finalist's ratios (conv1, which reads the image, at 1: its ratio has no effect)
        com.google.gson.JsonArray list = com.google.gson.JsonParser.parseString(Files.readString(out.resolve("best-config.json")))
                .getAsJsonObject().getAsJsonArray("config_list");
        com.google.gson.JsonArray keep = chosen.getAsJsonArray("keep_ratios");
        assertEquals(1.0, list.get(0).getAsJsonObject().get("compress_ratio").getAsDouble());
        for (int layer = 1; layer < 5; layer++) {
            assertEquals(keep.get(layer).getAsDouble(), list.get(layer).getAsJsonObject().get("compress_ratio").getAsDouble(),
                    0.0, "layer " + layer + " of " + list);
        }
    }

    @Test
    void badInputExitsTwoNamingTheSettingOrFile() throws IOException {
        Path ga = config("ga", "{\"search\": \"genetic\", \"generations\": 1, \"population\": 2, \"validation_size\": 50}");
        CliTests.Result budget = search(ga, dir.resolve("a"), "1.5");
        budget.assertUsageError("shrink4j search: --flops must be in (0, 1), got 1.5\n");

        CliTests.Result infeasible = search(ga, dir.resolve("b"), "0.01");
        assertEquals(2, infeasible.code(), infeasible.err());
        assertTrue(infeasible.err().startsWith("shrink4j search: budget 0.01 is infeasible: with the lower bound 0.2"),
                infeasible.err());

        Path corrupt = dir.resolve("c");
        Files.createDirectories(corrupt);
        Files.writeString(corrupt.resolve("search.jsonl"), "{\"search\":\"genetic\",\"index\":0,\"keep\n");
        CliTests.Result log = search(ga, corrupt, "0.5", "--resume");
        assertEquals(2, log.code(), log.err());
        assertTrue(log.err().startsWith("shrink4j search: candidate log " + corrupt.resolve("search.jsonl") + " line 1: not JSON"),
                log.err());

        // the scoring settings: exit 2 with one line naming the file, the key and the value
        assertConfigRefused("steps", "\"fine_tune_steps\": 1.5", "\"fine_tune_steps\" must be a whole number ≥ 0, found 1.5");
        assertConfigRefused("lr", "\"fine_tune_lr\": 0", "\"fine_tune_lr\" must be a positive number, found 0");
        assertConfigRefused("batch", "\"fine_tune_batch_size\": 0", "\"fine_tune_batch_size\" must be a whole number ≥ 1, found 0");
        assertConfigRefused("refit", "\"reconstruct\": \"yes\"", "\"reconstruct\" must be true or false, found string \"yes\"");

        assertConfigRefused("seeds", "\"finalists\": 2, \"finalist_seeds\": 1",
                "\"finalist_seeds\" must be a whole number ≥ 2, found 1");
        assertConfigRefused("lonely", "\"finalist_seeds\": 4", "\"finalist_seeds\" is set but \"finalists\" is not: set"
                + " \"finalists\" to the number of candidates to score again");
        assertConfigRefused("uniform", "\"finalists\": 2, \"fine_tune_steps\": 1", "\"finalists\" applies to [amc-ddpg,"
                + " genetic, simulated-annealing], whose best is their best-scored candidate, not to uniform");
        assertConfigRefused("reward", "\"reward\": \"loss\"", "\"reward\" must be \"acc\", \"acc_flops\" or"
                + " \"neg_loss\", found \"loss\"");
        assertConfigFileRefused("sa-loss", "{\"search\": \"simulated-annealing\", \"reward\": \"neg_loss\"}",
                "\"reward\" \"neg_loss\" does not apply to simulated-annealing, whose thresholds are in accuracy units;"
                        + " use \"acc\"");
        assertConfigFileRefused("sens-flops", "{\"search\": \"sensitivity\", \"reward\": \"acc_flops\"}",
                "\"reward\" \"acc_flops\" does not apply to sensitivity, whose thresholds are in accuracy units; use"
                        + " \"acc\"");
        assertConfigFileRefused("nft", "{\"search\": \"genetic\", \"finalists\": 2}", "\"finalists\" needs"
                + " \"fine_tune_steps\" above 0: without the short fine-tune a candidate's score does not depend on a seed");

        CliTests.Result key = search(config("bad", "{\"search\": \"genetic\", \"episodes\": 3}"), dir.resolve("d"), "0.5");
        assertEquals(2, key.code(), key.err());
        assertTrue(key.err().startsWith("shrink4j search: search config " + dir.resolve("bad.json")
                + ": unknown key \"episodes\" for genetic"), key.err());
    }

    @Test
    void sensitivityNetAdaptAndAutoCompressRunFromTheirConfigsWithinTheBudget() throws IOException {
        Path sensitivity = dir.resolve("sensitivity");
        CliTests.Result r = search(config("sensitivity", "{\"search\": \"sensitivity\", \"max_drop\": 0.05,"
                + " \"validation_size\": 50}"), sensitivity, "0.5");
        r.assertSucceeded();
        assertTrue(r.out().startsWith("search") && r.out().contains("sensitivity"), r.out());
        // the unpruned model, then each of the five layers at 0.1, 0.2, … until the first failing sparsity
        long logged = Files.readAllLines(sensitivity.resolve("search.jsonl")).size();
        assertTrue(logged >= 1 + 5 && logged <= 1 + 5 * 9, "logged " + logged);
        assertWithinHalfAndPrunable(sensitivity);

        Path netadapt = dir.resolve("netadapt");
        search(config("netadapt", "{\"search\": \"netadapt\", \"step_fraction\": 0.1, \"validation_size\": 50}"),
                netadapt, "0.5").assertSucceeded();
        assertWithinHalfAndPrunable(netadapt);

        Path autocompress = dir.resolve("autocompress");
        CliTests.Result ac = search(config("autocompress", "{\"search\": \"autocompress\", \"seed\": 1, \"rounds\": 2,"
                + " \"admm_iterations\": 1, \"admm_epochs\": 1, \"start_temperature\": 100, \"stop_temperature\": 80,"
                + " \"base_algo\": \"fpgm\", \"validation_size\": 50}"), autocompress, "0.5");
        ac.assertSucceeded();
        assertTrue(Files.readString(autocompress.resolve("search.jsonl")).startsWith("{\"search\":\"autocompress\""));
        assertWithinHalfAndPrunable(autocompress);
        // resuming would need ADMM's training, which the log does not hold
        CliTests.Result resumed = search(config("autocompress", "{\"search\": \"autocompress\", \"validation_size\": 50}"),
                autocompress, "0.5", "--resume");
        assertEquals(2, resumed.code(), resumed.err());
        assertTrue(resumed.err().startsWith("shrink4j search: autocompress cannot resume from "
                + autocompress.resolve("search.jsonl")), resumed.err());
    }

    /** A uniform search with {@code setting} added to its config exits 2 with {@code message} after the file's name. */
    private void assertConfigRefused(String name, String setting, String message) throws IOException {
        assertConfigFileRefused(name, "{\"search\": \"uniform\", " + setting + "}", message);
    }

    /** The search config {@code json}, written as {@code name.json}, is exit 2 with {@code message} about it. */
    private void assertConfigFileRefused(String name, String json, String message) throws IOException {
        CliTests.Result r = search(config(name, json), dir.resolve(name), "0.5");
        assertEquals(2, r.code(), r.err());
        assertEquals("shrink4j search: search config " + dir.resolve(name + ".json") + ": " + message, r.err().strip());
    }

    /**
     * {@code best-config.json} is a channel-pruning config, and conv1's ratio is 1: a search's ratio for it has no
     * effect (it reads the image), and the config says what was applied.
     */
    private static void assertChannelPruningConfigKeepingConv1(Path out) throws IOException {
        String json = Files.readString(out.resolve("best-config.json"));
        CompressionConfig cfg = CompressionConfig.parse("best-config.json", json, dev.shrink4j.algorithms.AlgorithmRegistry.load(),
                AlgorithmKind.PRUNER);
        assertEquals("channel-pruning", cfg.spec().name());
        com.google.gson.JsonObject conv1Entry = com.google.gson.JsonParser.parseString(json).getAsJsonObject()
                .getAsJsonArray("config_list").get(0).getAsJsonObject();
        assertEquals("conv1", conv1Entry.getAsJsonArray("op_names").get(0).getAsString());
        assertEquals(1.0, conv1Entry.get("compress_ratio").getAsDouble());
    }

    /** The shrunk model keeps at most half the MACs, and prune takes the config. */
    private void assertWithinHalfAndPrunable(Path out) throws IOException {
        long searched = macs(out.resolve("model.safetensors"));
        assertTrue(searched <= 0.5 * FULL_MACS, out + ": " + searched + " MACs, over half of " + FULL_MACS);
        assertChannelPruningConfigKeepingConv1(out);
    }

    @Test
    void moreBadInputExitsTwoNamingTheSettingOrFile() throws IOException {
        Path ga = config("ga", "{\"search\": \"genetic\", \"generations\": 1, \"population\": 2, \"validation_size\": 50}");
        search(ga, dir.resolve("zero"), "0").assertUsageError("shrink4j search: --flops must be in (0, 1), got 0.0\n");
        search(ga, dir.resolve("one"), "1").assertUsageError("shrink4j search: --flops must be in (0, 1), got 1.0\n");

        CliTests.Result algo = search(config("ac", "{\"search\": \"autocompress\", \"base_algo\": \"l3\"}"),
                dir.resolve("ac"), "0.5");
        assertEquals(2, algo.code(), algo.err());
        assertTrue(algo.err().startsWith("shrink4j search: search config " + dir.resolve("ac.json")
                + ": \"base_algo\" must be \"l1\", \"l2\" or \"fpgm\", found \"l3\""), algo.err());

        // a model without a prunable layer: flatten and one Linear, whose input is the image and output the logits
        Path onnx = dir.resolve("linear.onnx");
        try (Sequential linear = new Sequential(new Flatten(), new Linear(784, 10))) {
            OnnxExporter.builder().setModel(linear).setInputShape(1, 28, 28).build().export(onnx);
        }
        Path data = Files.isDirectory(dir.resolve("data")) ? dir.resolve("data") : TinyIdx.write(dir.resolve("data"), 200, 20);
        CliTests.Result none = CliTests.run("search", "--model", onnx.toString(), "--config", ga.toString(), "--flops", "0.5",
                "--out", dir.resolve("none").toString(), "--data-dir", data.toString(), "--train-samples", "200",
                "--threads", "1");
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().startsWith("shrink4j search: model has no prunable layer"), none.err());
        assertEquals(1, none.err().strip().lines().count(), none.err());
    }
}
