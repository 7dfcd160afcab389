package dev.shrink4j.prune.allocate;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.importance.Granularity;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LayerScoresTest {

    private static final float MIN = -Float.MAX_VALUE;

    @Test
    void rankableScoresPutAlreadyPrunedElementsBelowEveryScore() {
        LayerScores l = Scores.elements("fc", 0.5, 2, 2, new float[] {0.5f, -3, 2, 0}, new float[] {1, 1, 0, 1});
        assertArrayEquals(new float[] {0, 0, 1, 0}, values(l.alreadyPruned().to(torch.ScalarType.Float)));
        assertArrayEquals(new float[] {0.5f, -3, MIN, 0}, values(l.rankable()), "scores as they are, pruned at −MAX");
        assertEquals(4, l.units());
    }

    @Test
    void aUnitIsAlreadyPrunedOnlyWhenItsWholeMaskIsZero() {
        Tensor mask = Tensor.create(new float[] {1, 1, 0, 1, 0, 0}, 3, 2); // unit 1 half pruned, unit 2 pruned
        LayerScores l = new LayerScores("conv", Granularity.OUTPUT_UNIT, Tensor.create(new double[] {3, 1, 7}, 3), mask,
                false, 0.5);
        assertArrayEquals(new float[] {3, 1, MIN}, values(l.rankable()), "double scores are ranked as float32");
        LayerScores gamma = new LayerScores("bn", Granularity.OUTPUT_UNIT, Tensor.create(new float[] {2, 4}, 2),
                Tensor.create(new float[] {0, 1}, 2), true, 0.5);
        assertArrayEquals(new float[] {MIN, 4}, values(gamma.rankable()), "a 1-D mask: one weight per unit");
    }

    @Test
    void elementMasksAreTheKeepMaskAndLeaveTheBiasMask() {
        LayerScores l = Scores.elements("fc", 0.5, 2, 2, new float[] {1, 2, 3, 4}, new float[] {1, 1, 1, 1});
        Masks m = l.masks(Tensor.create(new float[] {0, 1, 1, 0}, 4));
        assertArrayEquals(new long[] {2, 2}, m.weightMask().shape());
        assertArrayEquals(new float[] {0, 1, 1, 0}, values(m.weightMask()));
        assertNull(m.biasMask(), "fine-grained pruning leaves the bias mask as it is");
    }

    @Test
    void unitMasksCoverEveryWeightOfAUnitAndItsBias() {
        LayerScores l = new LayerScores("conv", Granularity.OUTPUT_UNIT, Tensor.create(new float[] {1, 2}, 2),
                torch.ones(2, 1, 2, 2), true, 0.5);
        Masks m = l.masks(Tensor.create(new float[] {0, 1}, 2));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 1}, values(m.weightMask()));
        assertArrayEquals(new float[] {0, 1}, values(m.biasMask()));
        LayerScores noBias = new LayerScores("conv", Granularity.OUTPUT_UNIT, Tensor.create(new float[] {1, 2}, 2),
                torch.ones(2, 3), false, 0.5);
        assertNull(noBias.masks(Tensor.create(new float[] {0, 1}, 2)).biasMask());
    }

    @Test
    void scoresMustFitTheGranularityAndTheMask() {
        IllegalArgumentException units = assertThrows(IllegalArgumentException.class, () -> new LayerScores("conv1",
                Granularity.OUTPUT_UNIT, Tensor.create(new float[] {1, 2, 3}, 3), torch.ones(4, 1, 3, 3), false, 0.5));
        assertEquals("conv1: OUTPUT_UNIT scores need shape [4] for a weight of shape [4, 1, 3, 3], got [3]", units.getMessage());
        IllegalArgumentException elements = assertThrows(IllegalArgumentException.class, () -> new LayerScores("fc",
                Granularity.ELEMENT, Tensor.create(new float[] {1, 2}, 2), torch.ones(2, 3), false, 0.5));
        assertEquals("fc: ELEMENT scores need shape [2, 3] for a weight of shape [2, 3], got [2]", elements.getMessage());
    }
}
