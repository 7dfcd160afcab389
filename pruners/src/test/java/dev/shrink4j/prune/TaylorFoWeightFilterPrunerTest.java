package dev.shrink4j.prune;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.prune.TestConvs.AddedConvs;
import dev.shrink4j.prune.TestConvs.OneConv;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class TaylorFoWeightFilterPrunerTest {

    /**
     * A 1×1 convolution 2 → 3: with loss = Σ output and a 1×1 input x, ∂L/∂W[f, i] = x[i].
     * W = [[1, .5], [−1, 2], [.25, .5]], SGD lr 0.5. Step 1, x = (1, 2): grad rows (1, 2), updated
     * W1 = [[.5, −.5], [−1.5, 1], [−.25, −.5]] → Σ(W1·g)² = (1.25, 6.25, 1.0625). Step 2, x = (2, −1):
     * W2 = [[−.5, 0], [−2.5, 1.5], [−1.25, 0]] → (1, 27.25, 6.25). Totals (2.25, 33.5, 7.3125).
     */
    @Test
    void accumulatesTwoStepsAfterTheUpdateThenPrunesTheLowestFilter() {
        try (OneConv model = new OneConv(2, 3); Sgd sgd = Sgd.builder().setLearningRate(0.5).build(model.parameters());
                TaylorFoWeightFilterPruner pruner = TaylorFoWeightFilterPruner.builder().setModel(model)
                        .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
                        .optOptimizer(sgd).optStatisticsBatchNum(2).build()) {
            set(model.conv.weight(), new float[] {1f, 0.5f, -1f, 2f, 0.25f, 0.5f});
            pruner.compress();
            step(model, sgd, 1f, 2f);
            assertArrayEquals(new double[] {1.25, 6.25, 1.0625}, pruner.taylorCollector().scores("conv"));
            assertFalse(pruner.masksComputed());
            assertTrue(pruner.taylorCollector().isAttached("conv"));
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, values(pruner.weightMask("conv")));
            step(model, sgd, 2f, -1f);
            assertArrayEquals(new double[] {2.25, 33.5, 7.3125}, pruner.taylorCollector().scores("conv"));
            // floor(3·0.5) = 1 filter: the lowest score, filter 0
            assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1}, values(pruner.weightMask("conv")));
            assertArrayEquals(new float[] {0, 1, 1}, values(pruner.masks().get("conv.bias_mask")));
            assertTrue(pruner.masksComputed());
            assertFalse(pruner.taylorCollector().isAttached("conv"), "collector detached once masks exist");
            step(model, sgd, 1f, 1f);
            assertEquals(2, pruner.taylorCollector().batches("conv"));
        }
    }

    private static void step(OneConv model, Sgd sgd, float x0, float x1) {
        sgd.zeroGrad();
        model.call(Tensor.create(new float[] {x0, x1}, 1, 2, 1, 1)).sum().backward();
        sgd.step();
    }

    /**
     * Two parallel 1×1 convolutions 1 → 2, summed: with x = 1 and loss = Σ output, every gradient is 1. Without
     * an optimizer: accumulate() after backward; scores W² = a (9, 4), b (1, .25).
     */
    @Test
    void globalSortRanksFiltersAcrossLayers() {
        for (boolean global : new boolean[] {false, true}) {
            try (AddedConvs model = new AddedConvs(2, false);
                    TaylorFoWeightFilterPruner pruner = TaylorFoWeightFilterPruner.builder().setModel(model)
                            .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
                            .optGlobalSort(global).build()) {
                set(model.a.weight(), new float[] {3f, 2f});
                set(model.b.weight(), new float[] {1f, 0.5f});
                pruner.compress();
                model.call(Tensor.create(new float[] {1f}, 1, 1, 1, 1)).sum().backward();
                pruner.accumulate();
                pruner.updateMask();
                assertArrayEquals(new double[] {9, 4}, pruner.taylorCollector().scores("a"));
                if (global) {
                    // floor(4·0.5) = 2 lowest of (9, 4, 1, .25): both filters of b
                    assertEquals(Map.of("a", 0.0, "b", 1.0), pruner.layerSparsity());
                } else {
                    assertArrayEquals(new float[] {1, 0}, values(pruner.weightMask("a")));
                    assertArrayEquals(new float[] {1, 0}, values(pruner.weightMask("b")));
                }
            }
        }
    }
}
