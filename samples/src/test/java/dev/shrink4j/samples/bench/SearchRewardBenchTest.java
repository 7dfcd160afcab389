package dev.shrink4j.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The bench's rank correlation against values worked by hand. */
class SearchRewardBenchTest {

    @Test
    void spearmanIsPearsonOfAverageRanks() {
        // ranks (1,2,3,4) and (1,2,4,3): 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/60 = 0.8
        assertEquals(0.8, SearchRewardBench.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 40, 30}), 1e-12);
        // a tie: ranks (1.5, 1.5, 3) against (1, 2, 3): 1.5 / √(1.5 · 2) = √3 / 2
        assertEquals(Math.sqrt(3) / 2, SearchRewardBench.spearman(new double[] {1, 1, 2}, new double[] {1, 2, 3}), 1e-12);
        assertEquals(-1.0, SearchRewardBench.spearman(new double[] {3, 2, 1}, new double[] {1, 2, 3}), 1e-12);
    }
}
