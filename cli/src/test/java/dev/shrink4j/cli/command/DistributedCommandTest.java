package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line under torchrun's environment, with real processes on 127.0.0.1: {@code launch}, a
 * data-parallel {@code prune} equal to one process on the union of the ranks' batches, bad settings,
 * and a killed rank.
 */
class DistributedCommandTest {

    /** LeNet-5's conv2 and fc1 half pruned by magnitude (the level pruner: masks from the weights alone). */
    private static final String LEVEL = "{\"pruner\": \"level\", \"config_list\": [{\"sparsity\": 0.5, \"op_names\": "
            + "[\"conv2\", \"fc1\"]}]}";

    @TempDir
    Path dir;

    private List<String> prune(Path out, int batchSize, int epochs) throws IOException {
        Path data = TinyIdx.write(dir.resolve("data"), 64, 20);
        Path cfg = dir.resolve("level.json");
        Files.writeString(cfg, LEVEL);
        return new ArrayList<>(List.of("prune", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(),
                "--config", cfg.toString(), "--data-dir", data.toString(), "--batch-size", Integer.toString(batchSize),
                "--epochs", Integer.toString(epochs), "--threads", "1", "--out", out.toString()));
    }

    private static String[] launch(int nproc, List<String> command, String... options) {
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", Integer.toString(nproc)));
        args.addAll(List.of(options));
        args.add("--");
        args.addAll(command);
        return args.toArray(String[]::new);
    }

    @Test
    void launchRefusesNoProcessesAndAMissingCommand() {
        CliTests.run("launch", "--nproc", "0", "--", "prune", "--arch", "lenet5")
                .assertUsageError("shrink4j launch: --nproc must be at least 1, got 0\n");
        CliTests.run("launch", "--nproc", "2", "--")
                .assertUsageError("shrink4j launch: a command is needed after --, e.g. launch --nproc 2 -- prune --arch lenet5 ...\n");
        CliTests.run("launch", "--nproc", "2", "--timeout", "0", "--", "prune")
                .assertUsageError("shrink4j launch: --timeout must be at least 1 (seconds), got 0\n");
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoRanksPruneAsOneProcessOnTheUnionOfTheirBatchesAndOnlyRankZeroWrites() throws Exception {
        long start = System.currentTimeMillis();
        Path two = dir.resolve("two");
        Path one = dir.resolve("one");
        // 64 samples: each of 2 ranks takes 32 in batches of 8; one process takes 64 in batches of 16, the union
        // of the ranks' batches step by step (DistributedSampler over 1 rank: the same seeded permutation)
        CliTests.Result r2 = CliTests.run(launch(2, prune(two, 8, 2)));
        r2.assertSucceeded();
        CliTests.Result r1 = CliTests.run(launch(1, prune(one, 16, 2)));
        r1.assertSucceeded();
        assertTrue(r2.out().contains("per-layer sparsity:"), r2.out());
        assertEquals(1, count(r2.out(), "per-layer sparsity:"), "rank 0's standard output only:\n" + r2.out());
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> masks2 = SafeTensors.load(two.resolve("masks.safetensors"));
            Map<String, Tensor> masks1 = SafeTensors.load(one.resolve("masks.safetensors"));
            assertEquals(masks1.keySet(), masks2.keySet());
            masks1.forEach((k, m) -> assertTrue(m.equal(masks2.get(k)), k + ": the masks differ"));
            // conv2: 16·6·5·5 = 2400 weights, half pruned
            assertEquals(1200, 2400 - masks2.get("conv2.weight_mask").count_nonzero().item_long());
            Map<String, Tensor> w2 = SafeTensors.load(two.resolve("model.safetensors"));
            Map<String, Tensor> w1 = SafeTensors.load(one.resolve("model.safetensors"));
            Map<String, Tensor> start0 = SafeTensors.load(dir.resolve("w.safetensors"));
            assertEquals(w1.keySet(), w2.keySet());
            for (String k : w1.keySet()) {
                double diff = w1.get(k).sub(w2.get(k)).abs().max().item_double();
                assertTrue(diff <= 1e-5, k + ": 2 ranks vs 1 process differ by " + diff);
            }
            // and the fine-tune did move the weights (the equality is not that of two untrained models)
            assertTrue(w2.get("fc3.weight").sub(start0.get("fc3.weight")).abs().max().item_double() > 1e-3);
        }
        assertEquals(Set.of("model.safetensors", "masks.safetensors", "model.onnx", "report.json", "report.html"),
                names(two), "rank 0's files, each once, no temporary file left");
        // rank 1 ran the same command into a temporary directory of its own, deleted at its end
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            List<Path> left = tmp.filter(p -> p.getFileName().toString().startsWith("shrink4j-rank1-"))
                    .filter(p -> p.toFile().lastModified() >= start - 1000).toList();
            assertEquals(List.of(), left, "rank 1's temporary output directory is deleted");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void twoRanksCalibrateOnTheUnionOfTheirBatches() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 64, 20);
        Path w = CliTests.lenet5Weights(dir);
        Path cfg = Path.of("..", "configs", "observer.json").toAbsolutePath().normalize();
        // 4 batches of 8 per rank: each rank's whole shard, so the two ranks together see all 64 images, as one
        // process does with 4 batches of 16; min/max observers then track the ranges of the whole set
        List<String> args = new ArrayList<>(List.of("quantize", "--arch", "lenet5", "--weights", w.toString(), "--config",
                cfg.toString(), "--data-dir", data.toString(), "--calibration-batches", "4", "--threads", "1"));
        List<String> two = new ArrayList<>(args);
        two.addAll(List.of("--batch-size", "8", "--out", dir.resolve("two").toString()));
        CliTests.run(launch(2, two)).assertSucceeded();
        CliTests.run(Stream.concat(args.stream(), Stream.of("--batch-size", "16", "--out", dir.resolve("one").toString()))
                .toArray(String[]::new)).assertSucceeded();
        JsonObject calib2 = JsonParser.parseString(Files.readString(dir.resolve("two/calibration.json"))).getAsJsonObject();
        JsonObject calib1 = JsonParser.parseString(Files.readString(dir.resolve("one/calibration.json"))).getAsJsonObject();
        assertEquals(calib1.keySet(), calib2.keySet());
        // conv1 reads the images: its range is the whole set's, (0 − 0.2860) / 0.3530 to (249/255 − 0.2860) / 0.3530
        JsonObject conv1 = calib2.getAsJsonObject("conv1");
        assertEquals(-0.2860 / 0.3530, conv1.get("tracked_min_input").getAsDouble(), 1e-6);
        assertEquals((249 / 255.0 - 0.2860) / 0.3530, conv1.get("tracked_max_input").getAsDouble(), 1e-6);
        for (String layer : calib1.keySet()) {
            JsonObject a = calib1.getAsJsonObject(layer);
            JsonObject b = calib2.getAsJsonObject(layer);
            assertEquals(a.keySet(), b.keySet(), layer);
            for (String key : a.keySet()) {
                double x = a.get(key).getAsDouble();
                double y = b.get(key).getAsDouble();
                // the weights' grids are exact; deeper inputs come out of matrix products over batches of 8 instead
                // of 16, which round differently
                double tolerance = key.startsWith("weight") ? 0 : 1e-6 * Math.abs(x);
                assertEquals(x, y, tolerance, layer + "." + key + ": 2 ranks vs 1 process");
            }
        }
        assertEquals(Set.of("model.safetensors", "model-fakequant.safetensors", "model-int8.safetensors", "calibration.json",
                "model.onnx", "report.json", "report.html"), names(dir.resolve("two")));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void launchExitsWithTheFailingRanksCodeAndShowsTheOthersErrorsPrefixed() throws Exception {
        // --out below a file: rank 0 cannot create it (exit 1); rank 1 writes elsewhere and fails at its first
        // collective, naming rank 0 and why it stopped
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        CliTests.Result r = CliTests.run(launch(2, prune(file.resolve("out"), 8, 1), "--timeout", "10"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("shrink4j prune: failed: " + file.resolve("out")), r.err());
        String rank1 = r.err().lines().filter(l -> l.startsWith("[rank 1] shrink4j prune: failed: ")).findFirst().orElse("");
        // rank 0 leaves its reason in the store it hosts and keeps it up 2 s; a rank 1 slower than that finds it lost
        assertTrue(rank1.contains("rank 0 stopped: " + file.resolve("out") + ": Not a directory")
                || rank1.contains("rank 0 is lost"), r.err());
        // rank 1 usually exits first (rank 0 keeps the store up a moment for it to read why); both exit with 1
        String last = r.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("shrink4j launch: rank [01] exited with code 1"), r.err());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void badSettingsExitTwoWithOneLineNamingTheSetting() throws Exception {
        List<String> args = prune(dir.resolve("o"), 8, 1);
        assertBadSetting("world0", Map.of("WORLD_SIZE", "0", "RANK", "0", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500"),
                args, "shrink4j prune: WORLD_SIZE must be at least 1, got 0\n");
        assertBadSetting("rank2", Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500"),
                args, "shrink4j prune: RANK 2 is outside [0, 2) for WORLD_SIZE 2\n");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertBadSetting("port", Map.of("WORLD_SIZE", "1", "RANK", "0", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT",
                    Integer.toString(port)), args, "shrink4j prune: MASTER_PORT " + port + " is already in use on this machine; "
                    + "rank 0 hosts the rendezvous store there, pick a free port\n");
        }
        assertTrue(Files.notExists(dir.resolve("o")), "nothing written");
    }

    private void assertBadSetting(String name, Map<String, String> env, List<String> args, String expected) throws Exception {
        try (CliProcess p = new CliProcess(name, dir, env, args.toArray(String[]::new))) {
            assertEquals(2, p.exitCode(60), () -> errOf(p));
            assertEquals(expected, p.err());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aKilledRankStopsTheOtherWithinTheTimeoutNamingItAndThePreviousOutputsStay() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        byte[] previous = "the weights of an earlier run".getBytes();
        Files.write(out.resolve("model.safetensors"), previous);
        String[] args = prune(out, 8, 500).toArray(String[]::new);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (CliProcess rank0 = new CliProcess("rank0", dir, env(0, port), args);
                CliProcess rank1 = new CliProcess("rank1", dir, env(1, port), args)) {
            rank0.awaitErr("data-parallel over 2 ranks", 90);
            Thread.sleep(300);
            rank1.kill();
            long killed = System.nanoTime();
            int code = rank0.exitCode(30);
            double seconds = (System.nanoTime() - killed) / 1e9;
            assertEquals(1, code, () -> errOf(rank0));
            assertTrue(seconds < 10 + 3, "rank 0 stopped " + seconds + " s after the kill (timeout 10 s)");
            String err = rank0.err();
            String last = err.lines().filter(l -> l.startsWith("shrink4j prune: failed: ")).findFirst().orElse("");
            assertTrue(last.contains("rank 1 is lost"), err);
            assertTrue(last.contains("(RankFailureException;"), err);
        }
        assertArrayEquals(previous, Files.readAllBytes(out.resolve("model.safetensors")), "the previous outputs are intact");
        assertEquals(Set.of("model.safetensors"), names(out), "nothing else written, no temporary file left");
    }

    private static Map<String, String> env(int rank, int port) {
        return Map.of("WORLD_SIZE", "2", "RANK", Integer.toString(rank), "MASTER_ADDR", "127.0.0.1",
                "MASTER_PORT", Integer.toString(port), "SHRINK4J_DISTRIBUTED_TIMEOUT", "10");
    }

    private static String errOf(CliProcess p) {
        try {
            return p.err();
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new TreeSet<>(files.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
