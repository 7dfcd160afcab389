package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.optim.Sgd;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

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
}
