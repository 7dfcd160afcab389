package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.algorithms.run.ProtocolTrainer;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.ReLU;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The "low-rank" compressor: config file, registry, data-driven protocol, accuracy-first and bad input. */
class LowRankCompressorTest {

    static final long[] LENET_INPUT = {1, 1, 28, 28};

    static LowRankCompressor.Builder builder(Module model, String configList) {
        return LowRankCompressor.builder().setModel(model).setConfigList(ConfigList.fromJson(configList))
                .setInputShape(LENET_INPUT);
    }

    static LeNet5 lenet5(long seed) {
        torch.manual_seed(seed);
        return new LeNet5();
    }

    @Test
    void exampleConfigDecomposesLeNet5ThroughTheRegistry() {
        try (PointerScope scope = new PointerScope()) {
            AlgorithmRegistry registry = AlgorithmRegistry.load(); // finds LowRankAlgorithms through ServiceLoader
            CompressionConfig cfg = CompressionConfig.read(Path.of("..", "configs", "amc", "low-rank.json"), registry,
                    AlgorithmKind.PRUNER);
            assertEquals(LowRankAlgorithms.NAME, cfg.spec().name());
            LeNet5 model = lenet5(11);
            double conv2Error = LowRankFactorization.svd(model.conv2.weight(), 7).weightError();
            double fc1Error = LowRankFactorization.svd(model.fc1.weight(), 46).weightError();
            long flopsBefore = ModelProfiler.profile(model, LENET_INPUT).totalFlops();
            Compressor c = cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), null, cfg.options(),
                    LENET_INPUT));
            c.compress();
            LowRankReport report = ((LowRankCompressor) c).report();
            // conv2: 100 pixels·(16·150 + 16) = 241,600 -> rank floor(0.5·2400/166) = 7: 7·166·100 + 1,600 = 117,800
            LayerReport conv2 = report.layer("conv2");
            assertEquals(7, conv2.rank());
            assertEquals(241_600, conv2.flopsBefore());
            assertEquals(117_800, conv2.flopsAfter());
            assertEquals(conv2Error, conv2.weightError(), 1e-4);
            // fc1: 48,000 + 120 -> rank floor(0.5·48000/520) = 46: 46·520 + 120 = 24,040
            LayerReport fc1 = report.layer("fc1");
            assertEquals(46, fc1.rank());
            assertEquals(48_120, fc1.flopsBefore());
            assertEquals(24_040, fc1.flopsAfter());
            assertEquals(fc1Error, fc1.weightError(), 1e-4);
            assertTrue(Double.isNaN(fc1.responseError()), "svd samples nothing");
            assertTrue(model.conv2 instanceof LowRankConv2d && model.fc1 instanceof LowRankLinear);
            // the whole model's FLOPs fall by exactly what the report says
            long flopsAfter = ModelProfiler.profile(model, LENET_INPUT).totalFlops();
            assertEquals(flopsBefore - report.flopsBefore() + report.flopsAfter(), flopsAfter);
            assertFalse(((LowRankCompressor) c).statisticsBatches() > 0);
            c.unwrap();
            try (NoGradGuard g = new NoGradGuard()) {
                assertEquals(10, model.eval().call(torch.zeros(2, 1, 28, 28)).shape()[1]);
            }
        }
    }

    @Test
    void pcaAndGsvdSampleInputsDuringStatisticsBatches() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = lenet5(12);
            LowRankCompressor c = builder(model, "[{\"op_names\": [\"conv2\"], \"compress_ratio\": 0.5, \"method\": \"pca\"},"
                    + "{\"op_names\": [\"fc1\"], \"compress_ratio\": 0.5, \"method\": \"gsvd\"}]")
                    .optStatisticsBatches(3).optSamplesPerImage(5).optMaxSamples(500).build();
            c.compress();
            assertTrue(model.conv2.getClass() == Conv2d.class, "nothing is decomposed before the statistics");
            assertEquals(3, c.statisticsBatches());
            IllegalStateException early = assertThrows(IllegalStateException.class, c::report);
            assertTrue(early.getMessage().startsWith("LowRankCompressor has not decomposed yet"), early.getMessage());
            try (NoGradGuard g = new NoGradGuard()) {
                model.eval();
                for (int i = 0; i < 3; i++) {
                    try (PointerScope step = new PointerScope()) {
                        model.call(torch.randn(40, 1, 28, 28));
                    }
                }
            }
            c.finishStatistics();
            LowRankReport report = c.report();
            assertEquals(7, report.layer("conv2").rank());
            assertEquals(46, report.layer("fc1").rank());
            // conv2: 3 batches × 5 positions × 40 images = 600 rows, capped at 500; errors measured on them
            for (LayerReport r : report.layers()) {
                assertTrue(r.responseError() > 0 && r.responseError() < 1, r.layer() + " " + r.responseError());
            }
            assertTrue(model.conv2 instanceof LowRankConv2d && model.fc1 instanceof LowRankLinear);
            c.unwrap();
        }
    }

    @Test
    void theProjectsTrainingProtocolDrivesTheDataDrivenMethods() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = lenet5(17);
            java.util.Random random = new java.util.Random(17);
            byte[] pixels = new byte[64 * 28 * 28];
            random.nextBytes(pixels);
            byte[] labels = new byte[64];
            try (Dataset data = Dataset.fromBytes("noise", pixels, 1, 28, 28, labels, 10, Normalization.FASHION_MNIST)) {
                DataLoader loader = DataLoader.builder().setDataset(data).setBatchSize(16).build();
                LowRankCompressor c = builder(model, "[{\"op_names\": [\"conv2\", \"fc1\"], \"compress_ratio\": 0.5,"
                        + " \"method\": \"pca\"}]").optStatisticsBatches(4).optSamplesPerImage(3).build();
                c.compress();
                ProtocolTrainer protocol = new ProtocolTrainer(model, c);
                assertEquals(4, protocol.statisticsBatches());
                assertEquals(4, protocol.collectStatistics(loader, ProtocolTrainer.Progress.NONE));
                // conv2: 4 batches × 3 positions × 16 images = 192 rows; fc1: 4 × 16 = 64 rows
                assertEquals(7, c.report().layer("conv2").rank());
                assertTrue(model.conv2 instanceof LowRankConv2d && model.fc1 instanceof LowRankLinear);
                assertTrue(c.report().layer("fc1").responseError() < 1);
                c.unwrap();
            }
        }
    }

    @Test
    void accuracyFirstRaisesTheRankUntilTheThresholdHolds() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = lenet5(13);
            List<Long> tried = new ArrayList<>();
            // a stand-in validation: accuracy 0.95 from rank 10 of conv2 on, 0.5 below
            LowRankCompressor c = builder(model, "[{\"op_names\": [\"conv2\"], \"compress_ratio\": 0.5,"
                    + " \"accuracy_first\": true, \"accuracy_threshold\": 0.9}]")
                    .optEvaluator(m -> {
                        long rank = ((LeNet5) m).conv2 instanceof LowRankConv2d p ? p.rank() : 16;
                        tried.add(rank);
                        return rank >= 10 ? 0.95 : 0.5;
                    }).build();
            c.compress();
            LayerReport row = c.report().layer("conv2");
            // target 7 fails; the largest useful rank is floor((240000 − 1)/16600) = 14; bisection 14, 10, 8, 9
            assertEquals(List.of(7L, 14L, 10L, 8L, 9L), tried);
            assertEquals(10, row.rank());
            assertEquals(0.95, row.accuracy());
            assertEquals("rank raised from 7 to keep accuracy >= 0.9", row.note());
            assertEquals(10, ((LowRankConv2d) model.conv2).rank());
        }
    }

    @Test
    void accuracyFirstKeepsALayerThatMissesTheThresholdAtEveryRank() {
        try (PointerScope scope = new PointerScope()) {
            LeNet5 model = lenet5(14);
            LowRankCompressor c = builder(model, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 0.3,"
                    + " \"accuracy_first\": true, \"accuracy_threshold\": 0.9}]").optEvaluator(m -> 0.1).build();
            c.compress();
            LayerReport row = c.report().layer("fc1");
            assertFalse(row.decomposed());
            assertEquals(row.flopsBefore(), row.flopsAfter());
            assertEquals("kept: accuracy below 0.9 at every rank up to 92", row.note());
            assertTrue(model.fc1.getClass() == Linear.class);
        }
    }

    @Test
    void resnet20ConvolutionsAtHalfTheirFlops() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(15);
            ResNet model = ResNet.resnet20();
            long[] input = {1, 3, 32, 32};
            long before = ModelProfiler.profile(model, input).totalFlops();
            LowRankCompressor c = LowRankCompressor.builder().setModel(model)
                    .setConfigList(ConfigList.fromJson("[{\"op_types\": [\"Conv2d\"], \"compress_ratio\": 0.5}]"))
                    .setInputShape(input).build();
            c.compress();
            LowRankReport report = c.report();
            assertEquals(19, report.layers().size());
            // the stem 3 -> 16, 3×3: 432 MACs per pixel, 27 + 16 per rank: floor(216/43) = 5
            assertEquals(5, report.layer("conv1").rank());
            // a stride-2 conv 16 -> 32 (8×8 output): 4,608 per pixel, 144 + 32 per rank: floor(2304/176) = 13
            assertEquals(13, report.layer("layer2.0.conv1").rank());
            long after = ModelProfiler.profile(model, input).totalFlops();
            assertEquals(before - report.flopsBefore() + report.flopsAfter(), after);
            assertEquals(10, model.eval().call(torch.zeros(2, 3, 32, 32)).shape()[1]);
            ModelGraph graph = ModelGraph.trace(model, torch.zeros(1, 3, 32, 32));
            assertTrue(graph.hasNode("layer2.0.conv1.0") && graph.hasNode("layer2.0.conv1.1"));
        }
    }

    @Test
    void aLayerInsideASequentialIsReplacedInItsListToo() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(16);
            Sequential model = new Sequential(new Conv2d(3, 8, 3), new ReLU(), new Flatten(), new Linear(8 * 6 * 6, 10));
            Tensor x = torch.randn(2, 3, 8, 8);
            LowRankCompressor c = LowRankCompressor.builder().setModel(model)
                    .setConfigList(ConfigList.fromJson("[{\"op_types\": [\"Linear\"], \"compress_ratio\": 0.5}]"))
                    .setInputShape(1, 3, 8, 8).build();
            c.compress();
            // Sequential runs its private list: the forward reaching the pair proves the list holds it
            assertTrue(model.get(3) instanceof LowRankLinear);
            assertEquals(List.of(2L, 10L), List.of(model.call(x).shape()[0], model.call(x).shape()[1]));
            assertEquals(4, ((LowRankLinear) model.get(3)).rank()); // 288 -> 10: floor(0.5·2880/298) = floor(4.83)
        }
    }

    @Nested
    class RejectsBadInput {

        private String errorOf(Module model, long[] input, String configList) {
            LowRankCompressor c = LowRankCompressor.builder().setModel(model).setConfigList(ConfigList.fromJson(configList))
                    .setInputShape(input).build();
            return assertThrows(ConfigException.class, c::compress).getMessage();
        }

        @Test
        void ratiosOutsideZeroOne() {
            try (PointerScope scope = new PointerScope()) {
                LeNet5 model = new LeNet5();
                assertEquals("invalid config list: config_list[0].compress_ratio: 1.5 is outside (0, 1]",
                        errorOf(model, LENET_INPUT, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 1.5}]"));
                assertEquals("invalid config list: config_list[0].compress_ratio: 0 is outside (0, 1]",
                        errorOf(model, LENET_INPUT, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 0}]"));
            }
        }

        @Test
        void aRankThatWouldNotShrinkTheLayer() {
            try (PointerScope scope = new PointerScope()) {
                Sequential tiny = new Sequential(new Linear(2, 2));
                assertEquals("invalid config list: config_list[0]: 0: rank 1 costs 4 MACs (4 per rank), not fewer than the"
                        + " layer's 4: decomposing it would not make it smaller",
                        errorOf(tiny, new long[] {1, 2}, "[{\"op_types\": [\"Linear\"], \"compress_ratio\": 0.5}]"));
            }
        }

        @Test
        void methodsThatDoNotFitAndMissingSettings() {
            try (PointerScope scope = new PointerScope()) {
                LeNet5 model = new LeNet5();
                assertEquals("invalid config list: config_list[0]: fc1: method vh splits a convolution's kernel;"
                        + " Linear(in_features=400, out_features=120, bias=True) has none (use svd, pca or gsvd)",
                        errorOf(model, LENET_INPUT, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 0.5, \"method\": \"vh\"}]"));
                assertEquals("invalid config list: config_list[0].method: \"tucker\" is not one of svd, vh, pca, gsvd",
                        errorOf(model, LENET_INPUT, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 0.5, \"method\": \"tucker\"}]"));
                assertEquals("invalid config list (2 errors):\n  config_list[0].accuracy_first: needs accuracy_threshold\n"
                        + "  config_list[0].accuracy_first: needs an evaluator (LowRankCompressor.Builder.optEvaluator),"
                        + " none was given",
                        errorOf(model, LENET_INPUT, "[{\"op_names\": [\"fc1\"], \"compress_ratio\": 0.5, \"accuracy_first\": true}]"));
            }
        }

        @Test
        void aMissingInputShape() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LowRankCompressor.builder()
                    .setModel(new LeNet5()).setConfigList(ConfigList.fromJson("[{\"compress_ratio\": 0.5}]")).build());
            assertEquals("LowRankCompressor: setInputShape(...) was not called", e.getMessage());
        }
    }

}
