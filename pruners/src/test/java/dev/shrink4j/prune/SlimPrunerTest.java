package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.RandomBatchNorms;
import dev.shrink4j.nn.TensorValues;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SlimPrunerTest {

    /** Two batch norms of 5 channels in a row. */
    static final class TwoBn extends Module {
        final BatchNorm2d bn1 = registerModule("bn1", new BatchNorm2d(5));
        final BatchNorm2d bn2 = registerModule("bn2", new BatchNorm2d(5));

        @Override
        protected Tensor forward(Tensor x) {
            return bn2.call(bn1.call(x));
        }
    }

    static final ConfigList BN_02 = ConfigList.fromJson("[{\"sparsity\": 0.2, \"op_types\": [\"BatchNorm2d\"]}]");

    @Test
    void oneGlobalThresholdOverAllLayersNniCase() {
        // NNI test_torch_slim_pruner: γ1 = 0..4, γ2 = −(0..4); |γ| = 0 1 2 3 4 0 1 2 3 4, floor(10·0.2) = 2:
        // the two zeros, channel 0 of both layers.
        try (TwoBn m = new TwoBn(); SlimPruner p = new SlimPruner(m, BN_02)) {
            TensorValues.set(m.bn1.weight(), new float[] {0, 1, 2, 3, 4});
            TensorValues.set(m.bn2.weight(), new float[] {0, -1, -2, -3, -4});
            p.compress();
            for (String bn : new String[] {"bn1", "bn2"}) {
                assertArrayEquals(new float[] {0, 1, 1, 1, 1}, TensorValues.values(p.weightMask(bn)), bn);
                assertArrayEquals(new float[] {0, 1, 1, 1, 1},
                        TensorValues.values(p.getWrapper(bn).getBuffer(Pruner.BIAS_MASK)), bn + ": β follows γ");
                assertEquals(0.2, p.layerSparsity().get(bn), 1e-12);
            }
        }
    }

    @Test
    void theThresholdIsGlobalNotPerLayer() {
        // |γ| = .1 .2 .3 .4 .5 | 5 6 7 8 9 at sparsity 0.4 → 4 pruned, all in bn1
        try (TwoBn m = new TwoBn(); SlimPruner p = new SlimPruner(m, ConfigList.fromJson(
                "[{\"sparsity\": 0.4, \"op_types\": [\"BatchNorm2d\"]}]"))) {
            TensorValues.set(m.bn1.weight(), new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
            TensorValues.set(m.bn2.weight(), new float[] {5, 6, 7, 8, 9});
            p.compress();
            assertArrayEquals(new float[] {0, 0, 0, 0, 1}, TensorValues.values(p.weightMask("bn1")));
            assertArrayEquals(new float[] {1, 1, 1, 1, 1}, TensorValues.values(p.weightMask("bn2")));
        }
    }

    @Test
    void sparsityTrainingAddsScaleTimesSignOfGammaBeforeEachStep() {
        try (TwoBn m = new TwoBn(); Sgd sgd = Sgd.builder().setLearningRate(1.0).build(m.parameters());
                SlimPruner p = SlimPruner.builder().setModel(m).setConfigList(BN_02).optOptimizer(sgd).optScale(0.5)
                        .optMaskOnCompress(false).build()) {
            TensorValues.set(m.bn1.weight(), new float[] {0, 1, 2, -3, 4});
            p.compress();
            assertArrayEquals(new float[] {1, 1, 1, 1, 1}, TensorValues.values(p.weightMask("bn1")), "no masks yet");
            sgd.zeroGrad();
            m.call(torch.randn(2, 5, 3, 3)).sum().mul(new org.bytedeco.pytorch.Scalar(0)).backward();
            sgd.step();
            // γ ← γ − lr·(0 + 0.5·sign(γ))
            assertArrayEquals(new float[] {0, 0.5f, 1.5f, -2.5f, 3.5f}, TensorValues.values(m.bn1.weight()));
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, TensorValues.values(m.bn2.weight()),
                    "default γ = 1");
            p.updateMask();
            // |γ| = 0 .5 1.5 2.5 3.5 | .5 .5 .5 .5 .5: floor(10·0.2) = 2, the 0 and the first .5 (lower index)
            assertArrayEquals(new float[] {0, 0, 1, 1, 1}, TensorValues.values(p.weightMask("bn1")));
            assertArrayEquals(new float[] {1, 1, 1, 1, 1}, TensorValues.values(p.weightMask("bn2")));
        }
    }

    @Test
    void rejectsNonBatchNormLayersAndMixedSparsities() {
        try (PrunerTest.OneLinear m = new PrunerTest.OneLinear(); SlimPruner p = new SlimPruner(m,
                ConfigList.fromJson("[{\"sparsity\": 0.2, \"op_names\": [\"fc\"]}]"))) {
            ConfigException e = assertThrows(ConfigException.class, p::compress);
            assertTrue(e.getMessage().contains(
                    "config_list[0]: fc (Linear) is not a BatchNorm2d; SlimPruner prunes BatchNorm2d channels only"),
                    e.getMessage());
        }
        try (TwoBn m = new TwoBn(); SlimPruner p = new SlimPruner(m, ConfigList.fromJson(
                "[{\"sparsity\": 0.2, \"op_names\": [\"bn1\"]}, {\"sparsity\": 0.4, \"op_names\": [\"bn2\"]}]"))) {
            ConfigException e = assertThrows(ConfigException.class, p::compress);
            assertTrue(e.getMessage().contains("config_list[1].sparsity: 0.4 differs from config_list[0].sparsity 0.2;"
                    + " SlimPruner ranks all selected BatchNorm2d layers under one global sparsity"), e.getMessage());
        }
        assertEquals("SlimPruner scale must be a finite number ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> SlimPruner.builder().optScale(-1)).getMessage());
    }

    /** Two branches whose batch norms are added ({@code bnA + bnB}), then a convolution and a batch norm of its own. */
    static final class TwoBranches extends Module {
        final Conv2d a = registerModule("a", new Conv2d(3, 4, 1));
        final BatchNorm2d bnA = registerModule("bnA", new BatchNorm2d(4));
        final Conv2d b = registerModule("b", new Conv2d(3, 4, 1));
        final BatchNorm2d bnB = registerModule("bnB", new BatchNorm2d(4));
        final Add add = registerModule("add", new Add());
        final ReLU relu = registerModule("relu", new ReLU());
        final Conv2d c = registerModule("c", new Conv2d(4, 4, 1));
        final BatchNorm2d bnC = registerModule("bnC", new BatchNorm2d(4));

        @Override
        protected Tensor forward(Tensor x) {
            return bnC.call(c.call(relu.call(add.call(bnA.call(a.call(x)), bnB.call(b.call(x))))));
        }
    }

    static final ConfigList BN_05 = ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"BatchNorm2d\"]}]");

    @Test
    void dependencyAwareRanksAddedBatchNormsOnCommonChannels() {
        // γA = .1 .9 .5 .2, γB = .7 .1 .4 .3: the shared channels' mean |γ| = .4 .5 .45 .25; γC = .35 1 .05 .8.
        // 8 units, floor(8·0.5) = 4 pruned: C2 (.05), shared 3 (.25), C0 (.35), shared 0 (.4).
        try (TwoBranches m = new TwoBranches(); SlimPruner p = SlimPruner.builder().setModel(m).setConfigList(BN_05)
                .optDependencyAware(1, 3, 4, 4).build()) {
            setGammas(m);
            p.compress();
            assertTrue(p.isDependencyAware());
            assertEquals(List.of(List.of("bnA", "bnB")), p.dependencyGroups());
            assertArrayEquals(new float[] {0, 1, 1, 0}, TensorValues.values(p.weightMask("bnA")));
            assertArrayEquals(new float[] {0, 1, 1, 0}, TensorValues.values(p.weightMask("bnB")));
            assertArrayEquals(new float[] {0, 1, 0, 1}, TensorValues.values(p.weightMask("bnC")));
            assertArrayEquals(new float[] {0, 1, 1, 0},
                    TensorValues.values(p.getWrapper("bnB").getBuffer(Pruner.BIAS_MASK)), "β follows γ");
        }
        // without it, 12 units and 6 pruned, each layer on its own: C2 .05, A0 .1, B1 .1, A3 .2, B3 .3, C0 .35
        try (TwoBranches m = new TwoBranches(); SlimPruner p = new SlimPruner(m, BN_05)) {
            setGammas(m);
            p.compress();
            assertEquals(List.of(), p.dependencyGroups());
            assertArrayEquals(new float[] {0, 1, 1, 0}, TensorValues.values(p.weightMask("bnA")));
            assertArrayEquals(new float[] {1, 0, 1, 0}, TensorValues.values(p.weightMask("bnB")));
            assertArrayEquals(new float[] {0, 1, 0, 1}, TensorValues.values(p.weightMask("bnC")));
        }
    }

    private static void setGammas(TwoBranches m) {
        TensorValues.set(m.bnA.weight(), new float[] {0.1f, 0.9f, 0.5f, 0.2f});
        TensorValues.set(m.bnB.weight(), new float[] {0.7f, 0.1f, 0.4f, 0.3f});
        TensorValues.set(m.bnC.weight(), new float[] {0.35f, 1, 0.05f, 0.8f});
    }

    @ParameterizedTest
    @EnumSource(ShortcutOption.class)
    void dependencyAwareMasksOfResNet20ShrinkTheModel(ShortcutOption option) {
        // option A: the zero-padded shortcuts tie all stages into one group, each stage at its offset
        torch.manual_seed(11);
        try (ResNet net = new ResNet(20, option, 3, 10); PointerScope scope = new PointerScope()) {
            RandomBatchNorms.randomize(net, 0.1);
            net.eval();
            Map<String, Tensor> masks = new LinkedHashMap<>();
            try (SlimPruner p = SlimPruner.builder().setModel(net).setConfigList(BN_05).optDependencyAware(1, 3, 8, 8).build()) {
                p.compress();
                List<String> stage1 = List.of("bn1", "layer1.0.bn2", "layer1.1.bn2", "layer1.2.bn2");
                assertEquals(option == ShortcutOption.B ? List.of(stage1,
                        List.of("layer2.0.bn2", "layer2.0.shortcut.1", "layer2.1.bn2", "layer2.2.bn2"),
                        List.of("layer3.0.bn2", "layer3.0.shortcut.1", "layer3.1.bn2", "layer3.2.bn2")) : List.of(List.of("bn1",
                        "layer1.0.bn2", "layer1.1.bn2", "layer1.2.bn2", "layer2.0.bn2", "layer2.1.bn2", "layer2.2.bn2",
                        "layer3.0.bn2", "layer3.1.bn2", "layer3.2.bn2")), p.dependencyGroups());
                for (List<String> g : option == ShortcutOption.B ? p.dependencyGroups() : List.of(stage1)) {
                    for (String name : g) {
                        assertTrue(torch.equal(p.weightMask(g.get(0)), p.weightMask(name)), name + " shares " + g.get(0) + "'s channels");
                    }
                }
                p.masks().forEach((k, v) -> masks.put(k, v.clone()));
            }
            Shrinking.assertShrinksAsMasked(net, masks);
            long kept = masks.get("layer1.0.bn2.weight_mask").sum().item_long();
            assertEquals(kept, ((BatchNorm) net.getSubmodule("layer1.2.bn2")).numFeatures());
            assertEquals(kept, ((Conv2d) net.getSubmodule("conv1")).outChannels(), "the stem shrinks with its group");
        }
    }

    /** Random running statistics and β, so that a removed channel is zero only because its mask made it so. */
    private static void randomStatistics(Module model) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Module m : model.namedModules().values()) {
                if (m instanceof BatchNorm bn) {
                    bn.runningMean().normal_(0.0, 0.5, new GeneratorOptional());
                    bn.runningVar().uniform_(0.5, 2.0, new GeneratorOptional());
                    bn.weight().uniform_(0.1, 1.5, new GeneratorOptional());
                    bn.bias().normal_(0.0, 0.5, new GeneratorOptional());
                }
            }
        }
    }
}
