package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.workbench.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two real processes on 127.0.0.1 ({@link DataParallelWorker}, started by {@link WorkerProcesses}):
 * training equals one process on the union of the ranks' batches; a killed rank is named by the other.
 */
class DataParallelProcessTest {

    private static Snapshot single(Scenarios.Scenario s) {
        try (PointerScope scope = new PointerScope(); Dataset data = Scenarios.dataset()) {
            return Snapshot.of(Scenarios.train(s, Scenarios.unionLoader(data, 2), null));
        }
    }

    private static Snapshot rank(Path dir, Scenarios.Scenario s, int rank) throws Exception {
        return Snapshot.load(dir.resolve(s.name().toLowerCase(Locale.ROOT) + "-rank" + rank + ".safetensors"));
    }

    private static long zeros(double[] v) {
        return java.util.Arrays.stream(v).filter(x -> x == 0).count();
    }

    @Test
    void twoProcessesStayBitIdenticalAndEqualOneProcessOnTheUnionOfTheirBatches(@TempDir Path dir) throws Exception {
        try (WorkerProcesses workers = new WorkerProcesses("train", 2, dir)) {
            assertEquals(0, workers.exitCode(0, 240), () -> "rank 0 failed:\n" + log(workers, 0));
            assertEquals(0, workers.exitCode(1, 30), () -> "rank 1 failed:\n" + log(workers, 1));
        }
        for (Scenarios.Scenario s : Scenarios.Scenario.values()) {
            rank(dir, s, 0).assertBitIdentical(rank(dir, s, 1), s + ": rank 0 vs rank 1");
        }
        // SGD without batch norm, AGP and QAT (ranges tracked for the 20 steps, scales stored after): as one process
        for (Scenarios.Scenario s : List.of(Scenarios.Scenario.SGD, Scenarios.Scenario.AGP, Scenarios.Scenario.QAT)) {
            rank(dir, s, 0).assertClose(single(s), 1e-5, s + ": rank 0 vs one process", "_mask", "_zero_point");
        }
        Snapshot agp = rank(dir, Scenarios.Scenario.AGP, 0);
        assertEquals(27, zeros(agp.get("conv.weight_mask")), "75% of conv's 36 weights pruned at epoch 1");
        assertEquals(432, zeros(agp.get("fc.weight_mask")), "75% of fc's 576 weights");
        assertEquals(18, zeros(rank(dir, Scenarios.Scenario.MEAN_ACTIVATION, 0).get("conv.weight_mask")),
                "2 of conv's 4 filters, by rank 0's statistics");
        Snapshot qat = rank(dir, Scenarios.Scenario.QAT, 0);
        for (String layer : List.of("conv", "fc")) {
            assertTrue(qat.get(layer + ".tracked_max_input")[0] > qat.get(layer + ".tracked_min_input")[0], layer + " range tracked");
            assertTrue(qat.get(layer + ".input_scale")[0] > 0 && qat.get(layer + ".weight_scale")[0] > 0, layer + " scales stored");
        }
        // only rank 0 wrote the output file, and it is the trained model
        assertEquals(List.of(), listing(dir.resolve("rank1")));
        assertEquals(List.of("model.safetensors"), listing(dir.resolve("rank0")));
        Snapshot.load(dir.resolve("rank0/model.safetensors")).assertBitIdentical(rank(dir, Scenarios.Scenario.SGD, 0),
                "rank 0's output file");
    }

    /** Rank 1 killed: rank 0 names it. Rank 0 killed: the store it hosted is gone, and rank 1 names it. */
    @ParameterizedTest
    @ValueSource(ints = {1, 0})
    void aKilledRankIsNamedByTheOtherWithinTheTimeoutAndThePreviousOutputStaysIntact(int victim, @TempDir Path dir)
            throws Exception {
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        int survivor = 1 - victim;
        try (WorkerProcesses workers = new WorkerProcesses("fault", 2, dir)) {
            workers.awaitOutput(0, "EPOCH_DONE 1", 120);
            byte[] before = Files.readAllBytes(checkpoint);
            Thread.sleep(100); // into epoch 3 (10 steps of at least 20 ms)
            long killed = System.nanoTime();
            workers.process(victim).destroyForcibly();
            int code = workers.exitCode(survivor, 30);
            double seconds = (System.nanoTime() - killed) / 1e9;
            String err = workers.log(survivor, "err");
            assertEquals(3, code, () -> "rank " + survivor + " must stop with a RankFailureException:\n" + err);
            assertTrue(seconds < 10, "rank " + survivor + " stopped " + seconds + " s after the kill; the timeout is 10 s");
            assertTrue(err.contains("RANK_FAILURE: all-reduce of the gradients (step "), err);
            assertTrue(err.contains("failed on rank " + survivor + ": rank " + victim
                    + " is lost (killed, crashed or unreachable: no answer within 2000 ms)"), err);
            assertArrayEquals(before, Files.readAllBytes(checkpoint), "the checkpoint of epoch 2 is intact");
        }
        assertEquals(List.of("checkpoint.safetensors", "rank0.err", "rank0.out", "rank1.err", "rank1.out"), listing(dir),
                "no temporary or half-written file");
    }

    private static String log(WorkerProcesses w, int rank) {
        try {
            return w.log(rank, "out") + w.log(rank, "err");
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static List<String> listing(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
