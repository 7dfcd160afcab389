package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.workbench.zoo.ResNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ChannelPrunerTest {

    private static final String L1_HALF = "{\"pruner\": \"channel-pruning\", \"selection\": \"l1\", \"statistics_batch_num\": 4,"
            + " \"config_list\": [{\"op_types\": [\"Conv2d\", \"Linear\"], \"compress_ratio\": 0.5}]}";

    private static Compressor build(String json, LeNet5 model) {
        CompressionConfig cfg = CompressionConfig.parse("test", json, AlgorithmRegistry.load(), AlgorithmKind.PRUNER);
        return cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), null, cfg.options(), new long[] {1, 1, 28, 28}));
    }

    /** The statistics protocol as ProtocolTrainer runs it: forward passes, then finishStatistics. */
    private static void feed(Compressor c, LeNet5 model, long seed) {
        DataDriven d = (DataDriven) c;
        torch.manual_seed(seed);
        model.eval();
        for (int i = 0; i < d.statisticsBatches(); i++) {
            try (PointerScope step = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                model.call(torch.randn(64, 1, 28, 28));
            }
        }
        d.finishStatistics();
    }

    @Test
    void registeredThroughTheServiceLoader() {
        assertEquals("channel-pruning", AlgorithmRegistry.load().get(AlgorithmKind.PRUNER, "channel-pruning").name());
    }

    @Test
    void theShippedConfigParses() throws Exception {
        Path file = Path.of(System.getProperty("user.dir")).getParent().resolve("configs/amc/channel-pruning.json");
        CompressionConfig cfg = CompressionConfig.parse(file.toString(), Files.readString(file), AlgorithmRegistry.load(),
                AlgorithmKind.PRUNER);
        assertEquals(16, cfg.statisticsBatches());
    }

    /**
     * The masked model (masks on every producer, refitted weights) computes what the physically shrunk one computes:
     * the masked state dict and masks, applied to a fresh LeNet-5 by ModelSpeedup, give the expected shapes and the
     * same outputs.
     */
    @Test
    void masksShrinkToTheSameFunction() {
        try (PointerScope scope = new PointerScope(); LeNet5 model = new LeNet5(); LeNet5 fresh = new LeNet5()) {
            ChannelPruner pruner = (ChannelPruner) build(L1_HALF, model);
            pruner.compress();
            feed(pruner, model, 3);
            ChannelPruningResult r = pruner.result().orElseThrow();
            assertEquals(4, r.layers().size(), "conv1 is skipped: its input is the model's");
            assertEquals(3.0, pruner.weightMask("conv1").sum(new long[] {1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                    .gt(new org.bytedeco.pytorch.Scalar(0)).sum().item_double(), "three conv1 filters stay");
            Map<String, Tensor> masks = new LinkedHashMap<>();
            pruner.masks().forEach((k, v) -> masks.put(k, v.clone()));
            Map<String, Tensor> weights = pruner.maskedStateDict();
            Tensor x = torch.randn(8, 1, 28, 28);
            Tensor expected;
            try (NoGradGuard g = new NoGradGuard()) {
                expected = model.call(x);
            }
            pruner.unwrap();
            fresh.loadStateDict(weights, true);
            ModelSpeedup.apply(fresh, torch.zeros(1, 1, 28, 28), masks);
            assertArrayEquals(new long[] {8, 3, 5, 5}, fresh.conv2.weight().shape());
            assertArrayEquals(new long[] {60, 200}, fresh.fc1.weight().shape());
            assertArrayEquals(new long[] {10, 42}, fresh.fc3.weight().shape());
            fresh.eval();
            try (NoGradGuard g = new NoGradGuard()) {
                assertTrue(fresh.call(x).sub(expected).abs().max().item_double() < 1e-4);
            }
        }
    }

    @Test
    void refusesChannelsThatPassThroughABatchNormNamingItRatherThanAskingToSelectIt() {
        // ResNet-20's block: conv1 → bn1 → relu → conv2; conv1 is selected, bn1 cannot be (Conv2d/Linear only)
        try (PointerScope scope = new PointerScope(); ResNet model = ResNet.resnet20()) {
            CompressionConfig cfg = CompressionConfig.parse("test", "{\"pruner\": \"channel-pruning\", \"selection\": \"l1\","
                    + " \"statistics_batch_num\": 1, \"config_list\": [{\"op_names\": [\"layer1.0.conv1\"]},"
                    + " {\"op_names\": [\"layer1.0.conv2\"], \"compress_ratio\": 0.5}]}", AlgorithmRegistry.load(), AlgorithmKind.PRUNER);
            Compressor pruner = cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), null, cfg.options(),
                    new long[] {1, 3, 32, 32}));
            pruner.compress();
            DataDriven d = (DataDriven) pruner;
            model.eval();
            for (int i = 0; i < d.statisticsBatches(); i++) {
                try (PointerScope step = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    model.call(torch.randn(8, 3, 32, 32));
                }
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, d::finishStatistics);
            assertEquals("channel pruning of ResNet: layer1.0.conv2: its input channels pass through layer1.0.bn1 (BatchNorm2d), "
                    + "which channel pruning cannot mask (it selects Conv2d and Linear layers only), so it cannot remove them",
                    e.getMessage());
        }
    }

    @Test
    void refusesAProducerThatNoEntrySelects() {
        try (PointerScope scope = new PointerScope(); LeNet5 model = new LeNet5()) {
            Compressor pruner = build("{\"pruner\": \"channel-pruning\", \"selection\": \"l1\", \"statistics_batch_num\": 2,"
                    + " \"config_list\": [{\"op_names\": [\"conv2\"], \"compress_ratio\": 0.5}]}", model);
            pruner.compress();
            Tensor before = model.conv2.weight().clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> feed(pruner, model, 1));
            assertEquals("channel pruning of LeNet5: conv2: its input channels come from conv1, which no config_list entry "
                    + "selects, so they have no masks; select them too (an entry without compress_ratio only lets their filters go)",
                    e.getMessage());
            assertEquals(0.0, before.sub(model.conv2.weight()).abs().max().item_double(), "nothing changed");
        }
    }

    @Test
    void refusesBadConfigs() {
        try (LeNet5 model = new LeNet5()) {
            ConfigException ratio = assertThrows(ConfigException.class, () -> build("{\"pruner\": \"channel-pruning\","
                    + " \"config_list\": [{\"op_names\": [\"fc2\"], \"compress_ratio\": 1.5}]}", model).compress());
            assertTrue(ratio.getMessage().contains("config_list[0].compress_ratio: 1.5 is outside (0, 1]"), ratio.getMessage());
            ConfigException type = assertThrows(ConfigException.class, () -> build("{\"pruner\": \"channel-pruning\","
                    + " \"config_list\": [{\"op_names\": [\"relu1\"], \"compress_ratio\": 0.5}]}", model).compress());
            assertTrue(type.getMessage().contains("relu1 (ReLU) is not a Conv2d or Linear"), type.getMessage());
            RuntimeException threshold = assertThrows(RuntimeException.class, () -> build("{\"pruner\": \"channel-pruning\","
                    + " \"accuracy_first\": true, \"config_list\": [{\"op_names\": [\"fc2\"], \"compress_ratio\": 0.5}]}", model));
            assertTrue(threshold.getMessage().contains("accuracy_first needs accuracy_threshold"), threshold.getMessage());
        }
    }
}
