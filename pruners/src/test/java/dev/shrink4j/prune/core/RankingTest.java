package dev.shrink4j.prune.core;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class RankingTest {

    @Test
    void prunesFloorOfNTimesSparsityLowestFirstAndLowerIndexOnTies() {
        Tensor scores = Tensor.create(new float[] {3, 1, 2, 1, 5, 1}, 2, 3);
        // floor(6 * 0.34) = 2 units; three scores tie at 1: the two with lower flat index go
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1}, values(Ranking.keepMask(scores, 0.34)));
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0}, values(Ranking.keepMask(scores, 0.5)));
    }

    @Test
    void countsAndTies() {
        assertEquals(3, Ranking.prunedCount(6, 0.5));
        assertEquals(1, Ranking.prunedCount(5, 0.2));
        assertEquals(0, Ranking.prunedCount(4, 0.2));
        assertEquals(28, Ranking.prunedCount(100, 0.29), "floating floor, as NNI's int(n*s)");
        Tensor ties = Tensor.create(new float[] {1, 1, 1, 1});
        assertArrayEquals(new float[] {0, 0, 1, 1}, values(Ranking.keepMask(ties, 0.5)));
        assertArrayEquals(new float[] {1, 1, 1, 1}, values(Ranking.keepMask(ties, 0.2)), "0 units → all ones");
    }

    @Test
    void expandsAFilterMaskToTheWeight() {
        Tensor w = Tensor.create(new float[8], 2, 1, 2, 2);
        Tensor m = Ranking.expandToWeight(Tensor.create(new float[] {0, 1}), w);
        assertArrayEquals(new long[] {2, 1, 2, 2}, m.shape());
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 1}, values(m));
    }

    @Test
    void selectionEqualsTheStableSortWithManyTies() {
        org.bytedeco.pytorch.global.torch.manual_seed(4);
        Tensor scores = org.bytedeco.pytorch.global.torch.randint(0, 7, new long[] {50, 40})
                .to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
        for (long count : new long[] {1, 13, 999, 1000, 1999}) {
            Tensor order = org.bytedeco.pytorch.global.torch.argsort(scores.flatten(), true, 0, false);
            Tensor expected = org.bytedeco.pytorch.global.torch.ones(2000)
                    .scatter(0, order.narrow(0, 0, count), new org.bytedeco.pytorch.Scalar(0f)).view(50, 40);
            assertArrayEquals(values(expected), values(Ranking.keepMaskPruning(scores, count)), "count " + count);
        }
        assertArrayEquals(new float[] {0, 0, 0, 0}, values(Ranking.keepMaskPruning(Tensor.create(new float[] {1, 2, 3, 4}), 4)));
    }

    @Test
    void infinitiesRankFirstAndNanLast() {
        Tensor scores = Tensor.create(new float[] {2, Float.NEGATIVE_INFINITY, 1, -Float.MAX_VALUE, 0});
        assertArrayEquals(new float[] {1, 0, 1, 0, 1}, values(Ranking.keepMaskPruning(scores, 2)));
        Tensor nan = Tensor.create(new float[] {Float.NaN, 3, 1, 2});
        assertArrayEquals(new float[] {1, 0, 0, 0}, values(Ranking.keepMaskPruning(nan, 3)));
        Tensor nans = Tensor.create(new float[] {Float.NaN, 3, Float.NaN, 1});
        assertArrayEquals(new float[] {0, 0, 1, 0}, values(Ranking.keepMaskPruning(nans, 3)), "NaN threshold: first NaN");
    }

    @Test
    void sampledSelectionOnLargeInputsEqualsTheStableSort() {
        org.bytedeco.pytorch.global.torch.manual_seed(9);
        long n = 3 * Ranking.SAMPLED_SELECTION_FROM + 5;
        Tensor scores = org.bytedeco.pytorch.global.torch.randint(0, 1000, new long[] {n})
                .to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
        // sorted scores: the sample's bracket is far off for the low ranks (ties of 0) and at the ends
        Tensor sorted = new Tensor(scores.sort().get0()); // own handle: get0 points into the tuple
        // ~80% zeros, as after a pruning step at 0.8: the threshold is the tied 0 itself
        Tensor mostlyZero = scores.mul(scores.ge(new org.bytedeco.pytorch.Scalar(800f)));
        for (Tensor s : new Tensor[] {scores, sorted, mostlyZero}) {
            Tensor order = org.bytedeco.pytorch.global.torch.argsort(s, true, 0, false);
            for (long count : new long[] {1, 777, n / 2, n * 8 / 10, n - 1}) {
                Tensor expected = org.bytedeco.pytorch.global.torch.ones(n)
                        .scatter(0, order.narrow(0, 0, count), new org.bytedeco.pytorch.Scalar(0f));
                assertArrayEquals(values(expected), values(Ranking.keepMaskPruning(s, count)), "count " + count);
                assertEquals(new Tensor(s.kthvalue(count).get0()).item_float(), Ranking.kthSmallest(s, count).item_float());
            }
        }
    }
}
