package dev.shrink4j.search.nni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.search.scoring.FunctionScorer;
import org.junit.jupiter.api.Test;

class SensitivityAnalysisTest {

    /**
     * Baseline 0.9; drops by layer: layer 0 0.1·s² (0.009 at 0.3, 0.016 at 0.4), layer 1 none up to 0.6 then 0.5,
     * layer 2 0.02 at any sparsity, layer 3 none.
     */
    private static double reward(double[] keep) {
        double s0 = 1 - keep[0];
        double s1 = 1 - keep[1];
        double s2 = 1 - keep[2];
        return 0.9 - 0.1 * s0 * s0 - (s1 > 0.65 ? 0.5 : 0) - (s2 > 0 ? 0.02 : 0);
    }

    @Test
    void returnsTheLastPassingSparsityOfEachLayer() {
        FunctionScorer scorer = new FunctionScorer(4, SensitivityAnalysisTest::reward);
        SensitivityResult r = SensitivityAnalysis.builder().setScorer(scorer).setMaxDrop(0.01).optProgress(null).build()
                .analyze();
        assertEquals(0.9, r.baselineReward());
        // NNI would answer 0.4, 0.7, 0.1, 0.9: the first failing sparsity
        assertArrayEquals(new double[] {0.3, 0.6, 0.0, 0.9}, r.passingSparsities());
        double[][] rewards = r.rewards();
        assertEquals(4, rewards[0].length); // 0.1 … 0.4, stopped at the failing 0.4
        assertEquals(0.9 - 0.1 * 0.16, rewards[0][3], 1e-12);
        assertEquals(7, rewards[1].length);
        assertEquals(0.4, rewards[1][6], 1e-12);
        assertArrayEquals(new double[] {0.88}, rewards[2], 1e-12);
        assertEquals(9, rewards[3].length);
        // baseline + 4 + 7 + 1 + 9 candidates, each pruning one layer only
        assertEquals(22, scorer.scored.size());
        assertArrayEquals(new double[] {1, 1, 0.9, 1}, scorer.scored.get(1 + 4 + 7), 0.0); // layer 2 at sparsity 0.1
    }

    @Test
    void rejectsBadSettingsNamingThem() {
        FunctionScorer scorer = new FunctionScorer(2, k -> 0);
        assertEquals("max drop: -0.1 is not a finite number ≥ 0", assertThrows(IllegalArgumentException.class,
                () -> SensitivityAnalysis.builder().setScorer(scorer).setMaxDrop(-0.1).build()).getMessage());
        assertEquals("sparsities[1]: 0.2 is not above the one before it, 0.3", assertThrows(IllegalArgumentException.class,
                () -> SensitivityAnalysis.builder().setScorer(scorer).setMaxDrop(0.1).optSparsities(0.3, 0.2).build())
                .getMessage());
        assertEquals("sparsities[0]: 1.0 is outside (0, 1)", assertThrows(IllegalArgumentException.class,
                () -> SensitivityAnalysis.builder().setScorer(scorer).setMaxDrop(0.1).optSparsities(1.0).build())
                .getMessage());
    }
}
