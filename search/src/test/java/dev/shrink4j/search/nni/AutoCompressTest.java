package dev.shrink4j.search.nni;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.search.scoring.FunctionScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AutoCompressTest {

    @Test
    void roundSparsitiesCompoundToTheTarget() {
        double perRound = AutoCompress.roundSparsity(0.9, 3);
        assertEquals(1 - Math.cbrt(0.1), perRound, 1e-15);
        assertEquals(0.1, Math.pow(1 - perRound, 3), 1e-15);
    }

    @Test
    void aFilterRoundZeroesWholeFiltersAndTheSpeedupShrinksToTheKeptWidths() {
        // conv 1→4 3×3 (8×8 → 6×6), conv 4→6 3×3 (→ 4×4), flatten 96, linear 96→3; the two convolutions are pruned
        torch.manual_seed(3);
        Tensor x = torch.randn(8, 1, 8, 8);
        Tensor y = torch.randn(8, 3);
        EpochTrainer trainer = mseTrainer(x, y);
        List<float[]> roundMasks = new ArrayList<>();
        try (Sequential model = new Sequential(new Conv2d(1, 4, 3), new ReLU(), new Conv2d(4, 6, 3), new ReLU(),
                new Flatten(), new Linear(96, 3))) {
            FilterSpeedup speedup = new FilterSpeedup(1, 1, 8, 8);
            AutoCompressResult r = AutoCompress.builder().setModel(model).setParameters(List.of("0.weight", "2.weight"))
                    .setTargetSparsity(0.5).setScorerFactory((round, masks) -> new FunctionScorer(2, k -> k[0] + 2 * k[1]))
                    .setEpochTrainer(trainer).optRounds(1).optAdmmIterations(2).optAdmmEpochsPerIteration(1)
                    .optSpeedup((m, masks) -> {
                        masks.values().forEach(t -> roundMasks.add(values(t)));
                        return speedup.shrink(m, masks);
                    }).optAnnealing(b -> b.optProgress(null)).build().run();
            double[] s = r.roundSparsities().get(0);
            long kept0 = AutoCompress.keptUnits(4, s[0]);
            long kept2 = AutoCompress.keptUnits(6, s[1]);
            // ADMM's masks zero whole filters (9 and 36 weights per filter), as many as simulated annealing chose
            assertEquals(kept0, wholeFiltersKept(roundMasks.get(0), 9));
            assertEquals(kept2, wholeFiltersKept(roundMasks.get(1), 36));
            // the speedup removed them: conv1 out = conv2 in = kept0, conv2 out = kept2, the linear reads kept2·16
            Conv2d conv1 = (Conv2d) model.namedModules().get("0");
            Conv2d conv2 = (Conv2d) model.namedModules().get("2");
            Linear fc = (Linear) model.namedModules().get("5");
            assertEquals(kept0, conv1.outChannels());
            assertEquals(kept0, conv2.inChannels());
            assertEquals(kept2, conv2.outChannels());
            assertEquals(kept2 * 16, fc.inFeatures());
            assertTrue(r.masks().isEmpty());
            assertEquals(36 + 216, r.totalWeights());
            assertEquals(kept0 * 9 + kept2 * kept0 * 9, r.keptWeights());
            try (PointerScope scope = new PointerScope()) {
                assertArrayEquals(new long[] {8, 3}, model.call(x).shape());
            }
        }
    }

    /** One full-batch step of mean squared error from {@code x} to {@code y} per epoch. */
    private static EpochTrainer mseTrainer(Tensor x, Tensor y) {
        return (Module m, Optimizer o, int epoch) -> {
            try (PointerScope s = new PointerScope()) {
                o.zeroGrad();
                torch.mse_loss(m.call(x), y).backward();
                o.step();
            }
        };
    }

    /** Filters of {@code rowSize} mask values kept; fails unless every filter is all ones or all zeros. */
    private static long wholeFiltersKept(float[] mask, int rowSize) {
        long kept = 0;
        for (int f = 0; f < mask.length / rowSize; f++) {
            float first = mask[f * rowSize];
            for (int k = 1; k < rowSize; k++) {
                assertEquals(first, mask[f * rowSize + k], 0f, "filter " + f + " is partly pruned");
            }
            kept += (long) first;
        }
        return kept;
    }

    @Test
    void prunesInRoundsKeepingEarlierMasks() {
        torch.manual_seed(2);
        Tensor x = torch.randn(32, 4);
        Tensor y = torch.randn(32, 2);
        EpochTrainer trainer = mseTrainer(x, y);
        List<Integer> rounds = new ArrayList<>();
        List<Long> maskedWhenScored = new ArrayList<>();
        List<Long> keptAfterSpeedup = new ArrayList<>();
        try (Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2))) {
            AutoCompressResult r = AutoCompress.builder().setModel(model).setParameters(List.of("0.weight", "2.weight"))
                    .setTargetSparsity(0.5).setScorerFactory((round, masks) -> {
                        rounds.add(round);
                        maskedWhenScored.add(masks.values().stream().mapToLong(m -> (long) sum(values(m))).sum());
                        return new FunctionScorer(2, k -> k[0] - k[1]);
                    }).setEpochTrainer(trainer).optRounds(2).optAdmmIterations(2).optAdmmEpochsPerIteration(1)
                    .optFilterCriterion(null).optSpeedup((m, masks) -> {
                        keptAfterSpeedup.add(masks.values().stream().mapToLong(t -> (long) sum(values(t))).sum());
                        return masks;
                    })
                    .optAnnealing(b -> b.optProgress(null)).build().run();
            assertEquals(List.of(0, 1), rounds);
            assertEquals(2, keptAfterSpeedup.size());
            // round 0 sees no masks; round 1 sees round 0's: 48 weights × (1 − 0.2929) ≈ 34 kept (±1 per layer)
            assertEquals(0L, maskedWhenScored.get(0));
            assertEquals(keptAfterSpeedup.get(0), maskedWhenScored.get(1));
            assertTrue(Math.abs(keptAfterSpeedup.get(0) - 48 * Math.sqrt(0.5)) <= 2, "round 0 kept " + keptAfterSpeedup);
            assertEquals(48, r.totalWeights());
            assertTrue(Math.abs(r.keptWeights() - 24) <= 2, "kept " + r.keptWeights());
            assertEquals(keptAfterSpeedup.get(1), r.keptWeights());
            // every weight outside the final masks is zero
            for (Map.Entry<String, Tensor> e : r.masks().entrySet()) {
                float[] mask = values(e.getValue());
                float[] w = values(model.namedParameters().get(e.getKey()));
                for (int i = 0; i < w.length; i++) {
                    if (mask[i] == 0) {
                        assertEquals(0f, w[i], 0f, e.getKey() + "[" + i + "]");
                    }
                }
            }
            assertEquals(2, r.roundSparsities().size());
        }
    }

    private static float sum(float[] a) {
        float s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void rejectsATargetOutsideTheOpenUnitInterval() {
        try (Sequential model = new Sequential(new Linear(4, 2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AutoCompress.builder()
                    .setModel(model).setParameters(List.of("0.weight")).setTargetSparsity(0)
                    .setScorerFactory((r, m) -> null).setEpochTrainer((m, o, k) -> { }).build());
            assertEquals("target sparsity: 0.0 is outside (0, 1)", e.getMessage());
        }
    }
}
