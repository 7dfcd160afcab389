package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Collectives, failures and bad settings; the ranks are threads of this JVM ({@link ThreadRanks}). */
class DistributedContextTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static float[] values(Tensor t) {
        float[] out = new float[(int) t.numel()];
        t.contiguous().data_ptr_float().get(out);
        return out;
    }

    /** Rank r contributes {r+1, −(r+1)}; returns what each reduction leaves. */
    private static float[][] reductions(DistributedContext ctx) {
        float[][] out = new float[Reduction.values().length][];
        for (Reduction r : Reduction.values()) {
            try (PointerScope scope = new PointerScope()) {
                float v = ctx.rank() + 1;
                Tensor t = Tensor.create(new float[] {v, -v}, 2);
                ctx.allReduce(t, r);
                out[r.ordinal()] = values(t);
            }
        }
        return out;
    }

    @Test
    void collectivesCombineEveryRanksValuesAndOnlyRankZeroRunsMainActions() throws Exception {
        AtomicInteger mainActions = new AtomicInteger();
        List<ThreadRanks.Outcome<float[][]>> outcomes = ThreadRanks.run(2, TIMEOUT, ctx -> {
            float[][] reduced = reductions(ctx);
            Tensor b = Tensor.create(new float[] {ctx.rank() * 10f}, 1);
            ctx.broadcast(b, 1, "broadcast from rank 1");
            long[][] gathered = ctx.allGather(new long[] {ctx.rank(), 100L + ctx.rank()}, "all-gather");
            assertArrayEquals(new long[] {0, 100}, gathered[0]);
            assertArrayEquals(new long[] {1, 101}, gathered[1]);
            ctx.runOnMain("count", mainActions::incrementAndGet);
            ctx.barrier("barrier");
            ctx.finish();
            float[][] out = java.util.Arrays.copyOf(reduced, reduced.length + 1);
            out[reduced.length] = values(b);
            return out;
        });
        for (int rank = 0; rank < 2; rank++) {
            ThreadRanks.Outcome<float[][]> o = outcomes.get(rank);
            assertNull(o.failure(), () -> "rank failed: " + o.failure());
            assertArrayEquals(new float[] {3, -3}, o.value()[Reduction.SUM.ordinal()], "SUM");
            assertArrayEquals(new float[] {1.5f, -1.5f}, o.value()[Reduction.AVG.ordinal()], "AVG");
            assertArrayEquals(new float[] {1, -2}, o.value()[Reduction.MIN.ordinal()], "MIN");
            assertArrayEquals(new float[] {2, -1}, o.value()[Reduction.MAX.ordinal()], "MAX");
            assertArrayEquals(new float[] {10}, o.value()[4], "rank 1's value everywhere");
        }
        assertEquals(1, mainActions.get());
    }

    @Test
    void aRankThatAbortsIsNamedWithItsReasonAndTheOthersStopAtTheirNextCollective() throws Exception {
        List<ThreadRanks.Outcome<Long>> outcomes = ThreadRanks.run(2, TIMEOUT, ctx -> {
            ctx.barrier("start");
            if (ctx.rank() == 1) {
                ctx.abort(new IllegalStateException("epoch 1, batch 3: loss is NaN\n  at a C++ frame"));
                return 0L;
            }
            long t0 = System.nanoTime();
            try (PointerScope scope = new PointerScope()) {
                RankFailureException e = assertThrows(RankFailureException.class,
                        () -> ctx.allReduce(Tensor.create(new float[] {1}, 1), Reduction.SUM, "all-reduce of the gradients"));
                assertEquals(List.of(1), e.lostRanks());
                assertTrue(e.getMessage().startsWith("all-reduce of the gradients failed on rank 0: rank 1 stopped: "
                        + "epoch 1, batch 3: loss is NaN ["), e.getMessage());
                IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ctx.barrier("next"));
                assertEquals("next: the distributed context of rank 0 is failed", refused.getMessage());
            }
            return System.nanoTime() - t0;
        });
        assertNull(outcomes.get(0).failure(), () -> "rank 0: " + outcomes.get(0).failure());
        assertNull(outcomes.get(1).failure(), () -> "rank 1: " + outcomes.get(1).failure());
        assertTrue(outcomes.get(0).value() < 5_000_000_000L, "rank 0 stopped within 5 s, not after the 10 s timeout: "
                + outcomes.get(0).value() / 1e6 + " ms");
    }

    @Test
    void aFailedMainActionReachesEveryRank() throws Exception {
        List<ThreadRanks.Outcome<String>> outcomes = ThreadRanks.run(2, TIMEOUT, ctx -> {
            IOException e = assertThrows(IOException.class, () -> ctx.runOnMain("write report.json", () -> {
                throw new IOException("No space left on device");
            }));
            ctx.finish();
            return e.getMessage();
        });
        assertEquals("No space left on device", outcomes.get(0).value());
        assertEquals("rank 0 failed to write report.json; see its log", outcomes.get(1).value());
    }

    @Test
    void aWorldOfOneReducesToItself() throws Exception {
        List<ThreadRanks.Outcome<float[][]>> outcomes = ThreadRanks.run(1, TIMEOUT, ctx -> {
            float[][] reduced = reductions(ctx);
            ctx.finish();
            return reduced;
        });
        for (Reduction r : Reduction.values()) {
            assertArrayEquals(new float[] {1, -1}, outcomes.get(0).value()[r.ordinal()], r.name());
        }
    }

    /** What the command line turns into exit code 2 and one line. */
    @Nested
    class BadSettings {

        private DistributedConfigException connectFails(DistributedSettings s) {
            return assertThrows(DistributedConfigException.class, () -> DistributedContext.connect(s).close());
        }

        /** What {@code connectFails} says for {@code rank} of a world of 2 meeting at {@code port} within {@code seconds}. */
        private DistributedConfigException connectFails(int rank, int port, long seconds) {
            return connectFails(DistributedSettings.builder().setRank(rank).setWorldSize(2).setMasterPort(port)
                    .optTimeout(Duration.ofSeconds(seconds)).build());
        }

        @Test
        void aPortInUseIsNamed() throws IOException {
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = taken.getLocalPort();
                DistributedConfigException e = connectFails(0, port, 2);
                assertEquals("MASTER_PORT", e.setting());
                assertEquals("MASTER_PORT " + port + " is already in use on this machine; rank 0 hosts the rendezvous store "
                        + "there, pick a free port", e.getMessage());
            }
        }

        @Test
        void aMasterThatDoesNotAnswerIsNamedWithinTheTimeout() {
            int port = FreePorts.next();
            long t0 = System.nanoTime();
            DistributedConfigException e = connectFails(1, port, 1);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals("MASTER_ADDR", e.setting());
            assertEquals("MASTER_ADDR:MASTER_PORT 127.0.0.1:" + port + " did not answer within 1 s: is rank 0 running there, "
                    + "and is that address reachable from this machine?", e.getMessage());
            assertTrue(seconds < 10, "gave up after " + seconds + " s");
        }

        @Test
        void anUnknownMasterHostIsNamed() {
            DistributedConfigException e = connectFails(DistributedSettings.builder().optMasterAddress("no-such-host.invalid")
                    .setRank(1).setWorldSize(2).setMasterPort(29500).build());
            assertEquals("MASTER_ADDR", e.setting());
            assertEquals("MASTER_ADDR no-such-host.invalid is not a known host name", e.getMessage());
        }

        @Test
        void aWorldSizeLargerThanTheRanksStartedIsNamed() {
            int port = FreePorts.next();
            DistributedConfigException e = connectFails(0, port, 1);
            assertEquals("WORLD_SIZE", e.setting());
            assertEquals("WORLD_SIZE 2: only 1 of 2 ranks joined the rendezvous at 127.0.0.1:" + port + " within 1 s; start "
                    + "every rank with the same MASTER_ADDR and MASTER_PORT", e.getMessage());
            assertInstanceOf(RuntimeException.class, e.getCause());
        }
    }
}
