package dev.shrink4j.search.nni;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.Module;
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
    void prunesInRoundsKeepingEarlierMasks() {
        torch.manual_seed(2);
        Tensor x = torch.randn(32, 4);
        Tensor y = torch.randn(32, 2);
        EpochTrainer trainer = (Module m, Optimizer o, int epoch) -> {
            try (PointerScope s = new PointerScope()) {
                o.zeroGrad();
                torch.mse_loss(m.call(x), y).backward();
                o.step();
            }
        };
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
                    .optSpeedup((m, masks) -> keptAfterSpeedup.add(masks.values().stream()
                            .mapToLong(t -> (long) sum(values(t))).sum()))
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
