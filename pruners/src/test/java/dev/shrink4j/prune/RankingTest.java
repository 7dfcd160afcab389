package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class RankingTest {

    static float[] values(Tensor t) {
        Tensor c = t.contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

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
}
