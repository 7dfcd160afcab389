package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.nn.optim.StepListener;
import dev.shrink4j.prune.AgpPruner;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.train.Metrics;
import java.time.Duration;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DataParallel's parts, with the ranks as threads of this JVM ({@link ThreadRanks}); the training
 * comparisons run on real processes in {@link DataParallelProcessTest}.
 */
class DataParallelTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static Dataset data;

    @BeforeAll
    static void makeData() {
        data = Scenarios.dataset();
    }

    @AfterAll
    static void closeData() {
        data.close();
    }

    private static <T> List<T> values(List<ThreadRanks.Outcome<T>> outcomes) {
        for (int r = 0; r < outcomes.size(); r++) {
            Throwable failure = outcomes.get(r).failure();
            if (failure != null) {
                throw new AssertionError("rank " + r + " failed: " + failure, failure);
            }
        }
        return outcomes.stream().map(ThreadRanks.Outcome::value).toList();
    }

    /** One SGD step of {@code model} on samples {@code [first, first + 4)}. */
    private static void step(Module model, Optimizer sgd, int first) {
        try (PointerScope scope = new PointerScope()) {
            sgd.zeroGrad();
            torch.cross_entropy(model.call(data.images().narrow(0, first, 4)), data.labels().narrow(0, first, 4)).backward();
            sgd.step();
        }
    }

    private static float[] floats(Tensor t) {
        float[] out = new float[(int) t.numel()];
        t.detach().contiguous().data_ptr_float().get(out);
        return out;
    }

    @Test
    void gradientsInManySmallBucketsGiveTheSameBitsAsOneBucket() throws Exception {
        List<Snapshot> many = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (PointerScope scope = new PointerScope()) {
                Snapshot s = Snapshot.of(Scenarios.train(Scenarios.Scenario.SGD, Scenarios.shardLoader(data, ctx.rank(), 2), ctx,
                        b -> b.optBucketBytes(64))); // 16 floats: conv's weight, bias and each fc tensor in buckets of their own
                ctx.finish();
                return s;
            }
        }));
        List<Snapshot> one = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (PointerScope scope = new PointerScope()) {
                Snapshot s = Snapshot.of(Scenarios.train(Scenarios.Scenario.SGD, Scenarios.shardLoader(data, ctx.rank(), 2), ctx));
                ctx.finish();
                return s;
            }
        }));
        many.get(0).assertBitIdentical(one.get(0), "buckets of 64 bytes vs one bucket");
        many.get(0).assertBitIdentical(many.get(1), "rank 0 vs rank 1");
    }

    @Test
    void stepListenersAddedBeforeDataParallelSeeTheAveragedGradient() throws Exception {
        List<float[][]> seen = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (TinyNet model = Scenarios.model(1, false);
                    Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters())) {
                float[][] grads = new float[2][];
                // registered first: a gradient hook sees this rank's own gradient, a listener (a compressor's) the average
                sgd.addGradientHook(o -> grads[0] = floats(model.fc.bias().grad()));
                sgd.addStepListener(new StepListener() {
                    @Override
                    public void beforeStep(Optimizer o) {
                        grads[1] = floats(model.fc.bias().grad());
                    }
                });
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd).build()) {
                    step(model, sgd, 4 * ctx.rank());
                }
                ctx.finish();
                return grads;
            }
        }));
        float[] average = new float[4];
        for (int c = 0; c < 4; c++) {
            average[c] = (seen.get(0)[0][c] + seen.get(1)[0][c]) / 2;
        }
        assertFalse(java.util.Arrays.equals(seen.get(0)[0], seen.get(1)[0]), "the ranks' own gradients differ");
        assertArrayEquals(average, seen.get(0)[1], 1e-7f);
        assertArrayEquals(seen.get(0)[1], seen.get(1)[1], "bit-identical on both ranks");
    }

    @Test
    void statisticsCountStepsAndTheBytesAllReducedPerStep() throws Exception {
        List<CommunicationStats> stats = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (Replica r = Replica.of(ctx, true, true)) {
                for (int i = 0; i < 3; i++) {
                    step(r.model(), r.sgd(), 4 * ctx.rank());
                }
                ctx.finish();
                return r.dp().statistics();
            }
        }));
        for (CommunicationStats s : stats) {
            assertEquals(3, s.steps());
            assertEquals(4 * (4 * 9 + 4 + 4 + 4 + 144 * 4 + 4), s.gradientBytesPerStep(), "conv, bn's γ and β, fc: 628 floats");
            assertEquals(4 * (4 + 4), s.bufferBytesPerStep(), "bn's running mean and variance");
        }
    }

    @Test
    void batchNormStatisticsAreAveragedOverTheRanksOrLeftAlone() throws Exception {
        for (boolean sync : new boolean[] {true, false}) {
            List<float[][]> out = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
                try (PointerScope scope = new PointerScope(); Replica r = Replica.of(ctx, true, sync)) {
                    BatchNormOf bn = new BatchNormOf(r.model());
                    try (NoGradGuard g = new NoGradGuard()) {
                        r.model().call(data.images().narrow(0, 8 * ctx.rank(), 8)); // training mode: running stats move
                    }
                    float[] localMean = floats(bn.mean());
                    float[] localVar = floats(bn.var());
                    r.dp().synchronizeBuffers();
                    ctx.finish();
                    return new float[][] {localMean, localVar, floats(bn.mean()), floats(bn.var())};
                }
            }));
            for (int k = 0; k < 2; k++) {
                float[] expected = new float[4];
                for (int c = 0; c < 4; c++) {
                    expected[c] = (out.get(0)[k][c] + out.get(1)[k][c]) / 2;
                }
                for (int r = 0; r < 2; r++) {
                    assertArrayEquals(sync ? expected : out.get(r)[k], out.get(r)[k + 2], 1e-7f,
                            (sync ? "averaged " : "left alone ") + (k == 0 ? "running_mean" : "running_var") + " on rank " + r);
                }
            }
            assertFalse(java.util.Arrays.equals(out.get(0)[0], out.get(1)[0]), "the ranks saw different batches");
        }
    }

    /** TinyNet from seed 1 (with or without batch norm), SGD and DataParallel over it; closed together. */
    private record Replica(TinyNet model, Sgd sgd, DataParallel dp) implements AutoCloseable {
        static Replica of(DistributedContext ctx, boolean batchNorm, boolean batchNormSync) {
            TinyNet model = Scenarios.model(1, batchNorm);
            Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters());
            return new Replica(model, sgd, DataParallel.builder().setContext(ctx).setReplica(model, sgd)
                    .optBatchNormSync(batchNormSync).build());
        }

        @Override
        public void close() {
            dp.close();
            sgd.close();
            model.close();
        }
    }

    /** TinyNet's batch norm statistics. */
    private record BatchNormOf(TinyNet model) {
        Tensor mean() {
            return ((dev.shrink4j.nn.layers.BatchNorm) model.bn).runningMean();
        }

        Tensor var() {
            return ((dev.shrink4j.nn.layers.BatchNorm) model.bn).runningVar();
        }
    }

    /** TinyNet from seed 1, SGD, and AGP (not yet compressed) at 50% of conv; closed together. */
    private record Pruned(TinyNet model, Sgd sgd, AgpPruner agp) implements AutoCloseable {
        static Pruned create() {
            TinyNet model = Scenarios.model(1, false);
            Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters());
            return new Pruned(model, sgd, AgpPruner.builder().setModel(model).optOptimizer(sgd)
                    .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]")).build());
        }

        @Override
        public void close() {
            agp.close();
            sgd.close();
            model.close();
        }
    }

    @Test
    void aMaskARankComputesFromItsOwnDataBecomesRankZerosAfterTheStep() throws Exception {
        List<float[][]> out = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (Pruned p = Pruned.create()) {
                p.agp().compress();
                Tensor mask = p.agp().weightMask("conv");
                float[][] seen = new float[2][];
                // like a pruner's own listener: masks from this rank's data (rank r prunes weight r)
                p.sgd().addStepListener(new StepListener() {
                    @Override
                    public void afterStep(Optimizer o) {
                        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                            mask.fill_(new Scalar(1.0));
                            mask.view(-1).narrow(0, ctx.rank(), 1).fill_(new Scalar(0.0));
                            seen[0] = floats(mask);
                        }
                    }
                });
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(p.model(), p.sgd())
                        .addCompressor(p.agp()).build()) {
                    step(p.model(), p.sgd(), 4 * ctx.rank());
                    seen[1] = floats(mask);
                    dp.verifyConsistency("after the step");
                }
                ctx.finish();
                return seen;
            }
        }));
        assertEquals(0f, out.get(1)[0][1], "rank 1's own mask pruned weight 1");
        for (int r = 0; r < 2; r++) {
            assertEquals(0f, out.get(r)[1][0], "rank " + r + " holds rank 0's mask");
            assertEquals(1f, out.get(r)[1][1], "rank " + r + " holds rank 0's mask");
        }
    }

    @Test
    void theConsistencyCheckNamesEveryTensorAndTheRanksThatDisagree() throws Exception {
        List<String> messages = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (Pruned p = Pruned.create()) {
                p.agp().compress();
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(p.model(), p.sgd())
                        .addCompressor(p.agp()).build()) {
                    dp.verifyConsistency("after the broadcast");
                    if (ctx.rank() == 1) {
                        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                            p.model().fc.bias().add_(new Scalar(1e-6));
                            p.agp().weightMask("conv").view(-1).narrow(0, 0, 1).fill_(new Scalar(0.5));
                        }
                    }
                    InconsistentRanksException e = assertThrows(InconsistentRanksException.class,
                            () -> dp.verifyConsistency("after epoch 3"));
                    assertEquals(List.of("fc.bias", "conv.weight_mask"), e.tensors());
                    ctx.finish();
                    return e.getMessage();
                }
            }
        }));
        String expected = "after epoch 3: the ranks hold different values of 2 tensors: fc.bias (rank 0 ≠ rank 1); "
                + "conv.weight_mask (rank 0 ≠ rank 1)";
        assertEquals(List.of(expected, expected), messages, "every rank throws the same");
    }

    @Test
    void aParameterWithoutGradientIsNamedAndCompressorsMustBeCompressedFirst() throws Exception {
        List<String> messages = values(ThreadRanks.run(1, TIMEOUT, ctx -> {
            try (Pruned p = Pruned.create()) {
                IllegalStateException notCompressed = assertThrows(IllegalStateException.class, () -> DataParallel.builder()
                        .setContext(ctx).setReplica(p.model(), p.sgd()).addCompressor(p.agp()).build());
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(p.model(), p.sgd()).build()) {
                    IllegalStateException noGradient = assertThrows(IllegalStateException.class, p.sgd()::step);
                    ctx.finish();
                    return List.of(notCompressed.getMessage(), noGradient.getMessage());
                }
            }
        })).get(0);
        assertEquals("DataParallel: call compress() on AgpPruner before building DataParallel, so that its step listener "
                + "runs before the buffer reconciliation", messages.get(0));
        assertEquals("DataParallel (step 1, rank 0): 4 trained parameter(s) have no gradient after backward: [conv.weight, "
                + "conv.bias, fc.weight, fc.bias]; every rank must compute a gradient for every parameter the optimizer trains "
                + "(freeze unused ones with requires_grad(false))", messages.get(1));
    }

    @Test
    void stepsLeaveNoNativeObjectBehind() throws Exception {
        List<long[]> counts = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (Pruned p = Pruned.create()) {
                p.agp().compress();
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(p.model(), p.sgd())
                        .addCompressor(p.agp()).build()) {
                    long[] live = new long[2];
                    for (int phase = 0; phase < 2; phase++) {
                        for (int i = 0; i < 50; i++) {
                            step(p.model(), p.sgd(), 4 * ctx.rank());
                        }
                        // between two barriers neither rank allocates; before the first count the GC frees what
                        // the set-up left to it, then 50 steps must leave nothing the GC would have to free
                        ctx.barrier("before counting");
                        if (ctx.isMain()) {
                            if (phase == 0) {
                                System.gc();
                                Thread.sleep(300);
                            }
                            live[phase] = org.bytedeco.javacpp.Pointer.totalCount();
                        }
                        ctx.barrier("after counting");
                    }
                    dp.verifyConsistency("after 100 steps");
                    ctx.finish();
                    return live;
                }
            }
        }));
        long growth = counts.get(0)[1] - counts.get(0)[0];
        assertTrue(growth <= 10, "50 synchronised steps on two ranks left " + growth + " more native objects alive");
    }

    @Test
    void metricsAcrossRanksWeighEverySample() throws Exception {
        List<Metrics> all = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (Replica r = Replica.of(ctx, false, true)) {
                // rank 0: 40 samples, loss 1, 20 right; rank 1: 10 samples, loss 3, 1 right
                Metrics m = r.dp().acrossRanks(ctx.rank() == 0 ? Metrics.of(40, 20, 40) : Metrics.of(30, 1, 10));
                ctx.finish();
                return m;
            }
        }));
        for (Metrics m : all) {
            assertEquals(50, m.samples());
            assertEquals(70.0 / 50, m.loss(), 1e-12);
            assertEquals(21.0 / 50, m.accuracy(), 1e-12);
        }
    }

    @Test
    void rankZerosWeightsReplaceTheOthersAtTheStart() throws Exception {
        List<float[]> weights = values(ThreadRanks.run(2, TIMEOUT, ctx -> {
            try (TinyNet model = Scenarios.model(1 + ctx.rank(), false);
                    Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters())) {
                float[] before = floats(model.conv.weight());
                try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd).build()) {
                    ctx.finish();
                    float[] after = floats(model.conv.weight());
                    assertEquals(ctx.rank() == 0, java.util.Arrays.equals(before, after), "only rank 1's weights change");
                    return after;
                }
            }
        }));
        assertArrayEquals(weights.get(0), weights.get(1));
    }
}
