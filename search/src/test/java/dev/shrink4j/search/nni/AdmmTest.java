package dev.shrink4j.search.nni;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.OneLayer;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AdmmTest {

    @Test
    void projectionKeepsExactlyTheLargestMagnitudes() {
        Tensor w = Tensor.create(new float[] {0.5f, -3, 1, -0.2f, 2, 0.1f}, 2, 3);
        // ⌊6·0.5⌋ = 3 pruned: −3, 2 and 1 stay
        Tensor z = Admm.projectTopK(w, 0.5);
        assertArrayEquals(new long[] {2, 3}, z.shape());
        assertArrayEquals(new float[] {0, -3, 1, 0, 2, 0}, values(z), 0f); // −0 from −0.2·0 counts as 0
        // ⌊6·0.34⌋ = 2 pruned: the two smallest, −0.2 and 0.1
        assertArrayEquals(new float[] {0.5f, -3, 1, 0, 2, 0}, values(Admm.projectTopK(w, 0.34)), 0f);
        assertArrayEquals(new float[] {0.5f, -3, 1, -0.2f, 2, 0.1f}, values(Admm.projectTopK(w, 0.0)));
        // ties: exactly two of four equal magnitudes survive (a threshold rule would keep none or all)
        float[] tied = values(Admm.topKMask(Tensor.create(new float[] {1, -1, 1, -1}, 4), 0.5));
        assertEquals(2, sum(tied));
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    /** The weights the data were made with: the four large entries are the support ADMM should find. */
    private static final float[] TRUE_WEIGHTS = {3, 0.01f, -2, 0.02f, 0.03f, 2.5f, 0.01f, -3};

    private static final class Regression {
        final Tensor x;
        final Tensor y;

        Regression() {
            torch.manual_seed(5);
            x = torch.randn(32, 4);
            y = torch.mm(x, Tensor.create(TRUE_WEIGHTS, 2, 4).t());
        }

        double loss(Module model) {
            try (PointerScope s = new PointerScope()) {
                return torch.mse_loss(model.call(x), y).item_double();
            }
        }

        void trainEpoch(Module model, Optimizer optimizer, int epoch) {
            for (int step = 0; step < 10; step++) {
                try (PointerScope s = new PointerScope()) {
                    optimizer.zeroGrad();
                    torch.mse_loss(model.call(x), y).backward();
                    optimizer.step();
                }
            }
        }
    }

    @Test
    void trainsProjectsAndPrunesToTheTrueSupport() {
        Regression data = new Regression();
        try (OneLayer<Linear> model = OneLayer.linear(4, 2);
                Adam adam = Adam.builder().setLearningRate(0.05).build(model.parameters())) {
            torch.manual_seed(1);
            set(model.layer.weight(), values(torch.randn(2, 4).mul(new org.bytedeco.pytorch.Scalar(0.1))));
            double before = data.loss(model);
            List<String> checked = new ArrayList<>();
            Map<String, Tensor> masks = Admm.builder().setModel(model).setSparsities(Map.of("fc.weight", 0.5))
                    .setEpochTrainer(data::trainEpoch).optRho(0.1).optIterations(6).optEpochsPerIteration(2)
                    .optOptimizer(adam).optListener((k, name, w, z, u) -> {
                        // Z is a copy, not W itself
                        assertNotEquals(w.data_ptr().address(), z.data_ptr().address());
                        // U = U_old + W − Z, so W + U_old = U + Z; Z must be W + U_old with all but its 4 largest
                        // magnitudes zeroed — computed here in plain Java
                        float[] a = values(u.add(z));
                        float[] expected = keepLargest(a, 4);
                        assertArrayEquals(expected, values(z), 1e-6f, "iteration " + k);
                        checked.add(name + "@" + k);
                    }).build().run();
            assertEquals(6, checked.size());
            float[] mask = values(masks.get("fc.weight"));
            assertArrayEquals(new float[] {1, 0, 1, 0, 0, 1, 0, 1}, mask);
            float[] w = values(model.layer.weight());
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0) {
                    assertEquals(0f, w[i], 0f);
                }
            }
            assertTrue(data.loss(model) < before / 10, "loss " + before + " → " + data.loss(model));
            masks.values().forEach(Tensor::close);
        }
    }

    @Test
    void keepsTheMasksOfEarlierRounds() {
        Regression data = new Regression();
        try (OneLayer<Linear> model = OneLayer.linear(4, 2);
                Adam adam = Adam.builder().setLearningRate(0.05).build(model.parameters())) {
            // an earlier round pruned entry 0, the largest true weight; it must stay pruned through training
            Tensor fixed = Tensor.create(new float[] {0, 1, 1, 1, 1, 1, 1, 1}, 2, 4);
            Map<String, Tensor> masks = Admm.builder().setModel(model).setSparsities(Map.of("fc.weight", 0.5))
                    .setEpochTrainer(data::trainEpoch).optIterations(2).optEpochsPerIteration(1).optOptimizer(adam)
                    .optFixedMasks(Map.of("fc.weight", fixed)).build().run();
            float[] mask = values(masks.get("fc.weight"));
            assertEquals(0f, mask[0]);
            assertEquals(4, sum(mask));
            assertEquals(0f, values(model.layer.weight())[0], 0f);
        }
    }

    private static float[] keepLargest(float[] a, int keep) {
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> Float.compare(Math.abs(a[j]), Math.abs(a[i])));
        float[] out = new float[a.length];
        for (int r = 0; r < keep; r++) {
            out[order[r]] = a[order[r]];
        }
        return out;
    }

    @Test
    void rejectsAnUnknownParameterNamingIt() {
        try (OneLayer<Linear> model = OneLayer.linear(4, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Admm.builder()
                    .setModel(model).setSparsities(Map.of("fc.wieght", 0.5)).setEpochTrainer((m, o, k) -> { }).build());
            assertEquals("admm sparsities: \"fc.wieght\" is not a parameter of the model; it has [fc.weight, fc.bias]",
                    e.getMessage());
        }
    }

    @Test
    void filterProjectionKeepsTheMostImportantWholeFilters() {
        // rows: L1 2.1, 1.5, 2, 3.2; L2 √2.01 ≈ 1.418, √0.75 ≈ 0.866, 2, √9.02 ≈ 3.003
        Tensor w = Tensor.create(new float[] {1, -1, 0.1f, 0.5f, 0.5f, 0.5f, -2, 0, 0, 0.1f, 0.1f, 3}, 4, 3);
        // ⌊4·0.5⌋ = 2 filters pruned: L1 keeps rows 3 and 0, L2 rows 3 and 2
        assertArrayEquals(new float[] {1, -1, 0.1f, 0, 0, 0, 0, 0, 0, 0.1f, 0.1f, 3},
                values(Admm.projectTopFilters(w, 0.5, FilterCriterion.L1)), 0f);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, -2, 0, 0, 0.1f, 0.1f, 3},
                values(Admm.projectTopFilters(w, 0.5, FilterCriterion.L2)), 0f);
        // FPGM on the 1-element filters 0, 1, 10: distance sums 11, 10, 19; ⌊3·0.34⌋ = 1 pruned, the filter 1 nearest
        // the median, where L1 prunes the smallest, 0
        Tensor line = Tensor.create(new float[] {0, 1, 10}, 3, 1);
        assertArrayEquals(new float[] {1, 0, 1}, values(Admm.topFilterMask(line, 0.34, FilterCriterion.FPGM)), 0f);
        assertArrayEquals(new float[] {0, 1, 1}, values(Admm.topFilterMask(line, 0.34, FilterCriterion.L1)), 0f);
    }

    @Test
    void structuredAdmmProjectsZOntoTheTopNormFiltersAndPrunesWholeFilters() {
        Regression data = new Regression();
        try (OneLayer<Linear> model = OneLayer.linear(4, 2);
                Adam adam = Adam.builder().setLearningRate(0.05).build(model.parameters())) {
            List<String> checked = new ArrayList<>();
            Map<String, Tensor> masks = Admm.builder().setModel(model).setSparsities(Map.of("fc.weight", 0.5))
                    .setEpochTrainer(data::trainEpoch).optRho(0.1).optIterations(3).optEpochsPerIteration(1)
                    .optOptimizer(adam).optFilterCriterion(FilterCriterion.L2).optListener((k, name, w, z, u) -> {
                        // Z = W + U_old = U + Z with its row of smaller L2 norm zeroed, computed in plain Java
                        float[] a = values(u.add(z));
                        double row0 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3];
                        double row1 = a[4] * a[4] + a[5] * a[5] + a[6] * a[6] + a[7] * a[7];
                        int zeroed = row0 >= row1 ? 1 : 0;
                        Arrays.fill(a, zeroed * 4, zeroed * 4 + 4, 0f);
                        assertArrayEquals(a, values(z), 1e-6f, "iteration " + k);
                        checked.add(name + "@" + k);
                    }).build().run();
            assertEquals(3, checked.size());
            float[] mask = values(masks.get("fc.weight"));
            // one whole filter of two, and its weights are zero
            int pruned = mask[0] == 0 ? 0 : 1;
            float[] expected = {1, 1, 1, 1, 1, 1, 1, 1};
            Arrays.fill(expected, pruned * 4, pruned * 4 + 4, 0f);
            assertArrayEquals(expected, mask);
            float[] w = values(model.layer.weight());
            assertArrayEquals(new float[] {0, 0, 0, 0}, Arrays.copyOfRange(w, pruned * 4, pruned * 4 + 4), 0f);
            masks.values().forEach(Tensor::close);
        }
    }
}
