package dev.shrink4j.search.nni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.search.scoring.FunctionScorer;
import org.junit.jupiter.api.Test;

/**
 * The scorer's FLOPs share is the mean keep ratio, so with passing sparsities (0.2, 0.4, 0) the share at factor α is
 * 1 − (min(0.2α, 0.8) + min(0.4α, 0.8)) / 3, solved by hand below.
 */
class SensitivityAllocationTest {

    private static final double[] PASSING = {0.2, 0.4, 0};
    private static final FunctionScorer SCORER = new FunctionScorer(3, k -> 0);

    @Test
    void scalesEveryPassingSparsityByTheSmallestFactorThatMeetsTheBudget() {
        // 1 − 0.6α / 3 = 0.8 → α = 1
        assertArrayEquals(new double[] {0.8, 0.6, 1.0}, SensitivityAllocation.keepRatios(PASSING, SCORER, 0.8, 0.8), 1e-9);
        // 1 − 0.6α / 3 = 0.7 → α = 1.5
        assertArrayEquals(new double[] {0.7, 0.4, 1.0}, SensitivityAllocation.keepRatios(PASSING, SCORER, 0.7, 0.8), 1e-9);
    }

    @Test
    void aLayerAtTheMaximumStaysThereWhileTheOthersGoOn() {
        // 0.4α reaches 0.8 at α = 2; then 1 − (0.2α + 0.8) / 3 = 0.5 → α = 3.5, layer 0 loses 0.7
        assertArrayEquals(new double[] {0.3, 0.2, 1.0}, SensitivityAllocation.keepRatios(PASSING, SCORER, 0.5, 0.8), 1e-9);
    }

    @Test
    void aBudgetBeyondTheMaximumNamesTheLayersThatPassNothing() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SensitivityAllocation.keepRatios(PASSING, SCORER, 0.4, 0.8));
        assertEquals("sensitivity: the FLOPs budget 0.4 cannot be met by scaling the sensitivities: with every layer"
                + " that passes a sparsity at 0.8 the model keeps 0.4667 of its FLOPs; layers [2] pass none, so raise"
                + " max_drop", e.getMessage());
    }
}
