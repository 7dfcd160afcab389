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

        CompressionConfig cfg = CompressionConfig.parse("best-config.json", Files.readString(out.resolve("best-config.json")),
                dev.shrink4j.algorithms.AlgorithmRegistry.load(), AlgorithmKind.PRUNER);
        assertEquals("channel-pruning", cfg.spec().name());
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

        CliTests.Result key = search(config("bad", "{\"search\": \"genetic\", \"episodes\": 3}"), dir.resolve("d"), "0.5");
        assertEquals(2, key.code(), key.err());
        assertTrue(key.err().startsWith("shrink4j search: search config " + dir.resolve("bad.json")
                + ": unknown key \"episodes\" for genetic"), key.err());
    }
}
