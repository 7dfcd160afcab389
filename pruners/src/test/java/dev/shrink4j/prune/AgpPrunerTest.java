package dev.shrink4j.prune;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Sgd;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AgpPrunerTest {

    /** A 10 → 10 linear layer: 100 prunable weights. */
    static final class Fc100 extends Module {
        final Linear fc = registerModule("fc", new Linear(10, 10));

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(x);
        }
    }

    /** Weight i has magnitude rank r(i) = (37·i) mod 100, value ±(r + 1)/100: all magnitudes distinct. */
    static final float[] WEIGHTS = new float[100];

    static {
        for (int i = 0; i < 100; i++) {
            WEIGHTS[i] = (i % 2 == 0 ? 1 : -1) * ((37 * i) % 100 + 1) / 100f;
        }
    }

    /** The level mask pruning the {@code count} smallest magnitudes: rank below count → 0. */
    static float[] levelMask(long count) {
        float[] m = new float[100];
        for (int i = 0; i < 100; i++) {
            m[i] = (37 * i) % 100 < count ? 0 : 1;
        }
        return m;
    }

    static final ConfigList FINAL_80 = ConfigList.fromJson("[{\"sparsity\": 0.8, \"op_types\": [\"Linear\"]}]");

    /** s_i = 0, s_f = 0.8, start 1, end 8, frequency 2: span = ((8 − 1 − 1) // 2)·2 = 6, pruning epochs 1, 3, 5, 7, 8. */
    @Test
    void scheduleFollowsTheCubicFormulaAndTheLayerReachesItExactly() {
        try (Fc100 model = new Fc100();
                AgpPruner agp = AgpPruner.builder().setModel(model).setConfigList(FINAL_80).optStartEpoch(1).optEndEpoch(8)
                        .optFrequency(2).build()) {
            set(model.fc.weight(), WEIGHTS);
            agp.compress();
            assertArrayEquals(levelMask(0), values(agp.weightMask("fc")), "epoch 0 is before start_epoch");
            double applied = 0;
            for (int t = 1; t <= 10; t++) {
                agp.updateEpoch(t);
                double p = Math.max(1.0 - (t - 1) / 6.0, 0);
                double formula = t >= 7 ? 0.8 : 0.8 + (0.0 - 0.8) * p * p * p;
                assertEquals(formula, agp.targetSparsity(t, 0.8), "epoch " + t);
                boolean pruning = t == 1 || t == 3 || t == 5 || t == 7 || t == 8;
                assertEquals(pruning, agp.isPruningEpoch(t), "epoch " + t);
                if (pruning) {
                    applied = formula;
                }
                long pruned = (long) Math.floor(100 * applied);
                assertArrayEquals(levelMask(pruned), values(agp.weightMask("fc")), "epoch " + t);
                assertEquals(1.0 - (100 - pruned) / 100.0, agp.layerSparsity().get("fc"), "epoch " + t);
            }
            // the golden counts: epochs 1, 3, 5, 7 prune 0, 56, 77, 80 weights
            assertEquals(0.5629629629629629, agp.targetSparsity(3, 0.8), 1e-15);
            assertEquals(0.7703703703703704, agp.targetSparsity(5, 0.8), 1e-15);
            assertEquals(0.8, agp.targetSparsity(7, 0.8));
            assertEquals(0.8, agp.targetSparsity(8, 0.8));
            assertEquals(0.2, agp.maskedStateDict().get("fc.weight").ne(new org.bytedeco.pytorch.Scalar(0)).sum()
                    .item_long() / 100.0);
        }
    }

    @Test
    void withAnOptimizerMasksChangeAtTheFirstStepOfAPruningEpoch() {
        try (Fc100 model = new Fc100(); Sgd sgd = Sgd.builder().setLearningRate(0.0).build(model.parameters());
                AgpPruner agp = AgpPruner.builder().setModel(model).setConfigList(FINAL_80).optOptimizer(sgd)
                        .optInitialSparsity(0.1).optEndEpoch(2).build()) {
            set(model.fc.weight(), WEIGHTS);
            agp.compress();
            // span = ((2 − 0 − 1) // 1)·1 = 1: epoch 0 at s_i = 0.1 exactly (0.8 + (0.1 − 0.8) would give
            // 0.09999999999999987 and prune 9), epoch 1 at s_f
            assertEquals(0.1, agp.targetSparsity(0, 0.8));
            assertArrayEquals(levelMask(10), values(agp.weightMask("fc")));
            agp.updateEpoch(1);
            assertArrayEquals(levelMask(10), values(agp.weightMask("fc")), "not before the step");
            sgd.zeroGrad();
            model.call(Tensor.create(new float[10], 1, 10)).sum().backward();
            sgd.step();
            assertArrayEquals(levelMask(80), values(agp.weightMask("fc")));
        }
    }

    /** L1 filter criterion: row norms (2, .2, 4, .5) → at 0.5 rows 1 and 3 go, weights and bias. */
    @Test
    void l1FilterAlgorithmPrunesWholeRowsByName() {
        try (PrunerTest.OneLinear model = new PrunerTest.OneLinear();
                AgpPruner agp = AgpPruner.builder().setModel(model)
                        .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Linear\"]}]"))
                        .optPruningAlgorithm("l1").optEndEpoch(1).build()) {
            set(model.fc.weight(), new float[] {1f, 1f, 0f, 0f, 0.1f, 0.1f, 0f, 0f});
            agp.compress();
            assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 0, 0}, values(agp.weightMask("fc")));
            assertArrayEquals(new float[] {1, 0}, values(agp.masks().get("fc.bias_mask")));
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> AgpPruner.builder().optPruningAlgorithm("fpgm"));
        assertEquals("AgpPruner: pruning_algorithm \"fpgm\" is not supported; expected one of level, l1, l2", bad.getMessage());
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class,
                () -> AgpPruner.builder().setModel(new Fc100()).setConfigList(FINAL_80).optStartEpoch(3).optEndEpoch(3).build());
        assertEquals("AgpPruner: end_epoch 3 must be greater than start_epoch 3", epochs.getMessage());
    }
}
