package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The rank rule r = floor(ρ·MACs / MACs-per-rank), clamped to [1, max], with hand-computed cases. */
class RankBudgetTest {

    @ParameterizedTest(name = "{0}: rho {1}, MACs {2}, per rank {3}, max {4} -> {5}")
    @CsvSource({
            // LeNet-5 conv2 (16, 6, 5, 5) per output pixel: 16·150 = 2400 MACs, 150 + 16 = 166 per rank; 1200/166 = 7.2
            "conv2, 0.5, 2400, 166, 16, 7",
            // LeNet-5 fc1 (120, 400): 48000 MACs, 520 per rank; 24000/520 = 46.15
            "fc1, 0.5, 48000, 520, 120, 46",
            // 10% of fc1: 4800/520 = 9.23
            "fc1, 0.1, 48000, 520, 120, 9",
            // a tiny ratio still keeps rank 1: 0.01·2400/166 = 0.14
            "conv2, 0.01, 2400, 166, 16, 1",
            // LeNet-5 conv1 (6, 1, 5, 5): 150 MACs, 31 per rank, max 6; ratio 1 gives 150/31 = 4.8 -> 4 (124 < 150)
            "conv1, 1.0, 150, 31, 6, 4",
            // the clamp at the top: 1000/10 = 100 but the factorization has rank 8 only
            "wide, 1.0, 1000, 10, 8, 8"})
    void rankFromRatio(String layer, double ratio, long macs, long perRank, long max, long expected) {
        assertEquals(expected, RankBudget.rank(layer, ratio, macs, perRank, max));
    }

    @Test
    void aRankThatWouldNotShrinkTheLayerIsRefusedNamingIt() {
        // Linear(2, 2): 4 MACs, 4 per rank: even rank 1 costs as much as the layer
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RankBudget.rank("fc", 0.5, 4, 4, 2));
        assertEquals("fc: rank 1 costs 4 MACs (4 per rank), not fewer than the layer's 4: decomposing it would not make it"
                + " smaller", e.getMessage());
        // ratio 1 on a layer whose MACs are a multiple of the per-rank cost: 160/32 = 5 exactly -> 160, refused
        e = assertThrows(IllegalArgumentException.class, () -> RankBudget.rank("conv", 1.0, 160, 32, 5));
        assertEquals("conv: rank 5 costs 160 MACs (32 per rank), not fewer than the layer's 160: decomposing it would not"
                + " make it smaller", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.1, 1.5, Double.NaN})
    void ratiosOutsideZeroOneAreRefusedNamingTheLayer(double ratio) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RankBudget.rank("fc1", ratio, 48000, 520, 120));
        assertEquals("fc1: FLOPs ratio: " + ratio + " is outside (0, 1]", e.getMessage());
    }

    @Test
    void largestUsefulRank() {
        assertEquals(92, RankBudget.largestUsefulRank(48000, 520, 120)); // 47999/520 = 92.3
        assertEquals(0, RankBudget.largestUsefulRank(4, 4, 2));
        assertEquals(8, RankBudget.largestUsefulRank(1000, 10, 8));
    }
}
