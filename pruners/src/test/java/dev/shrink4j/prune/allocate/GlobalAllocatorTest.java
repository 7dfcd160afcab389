package dev.shrink4j.prune.allocate;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.prune.core.Masks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GlobalAllocatorTest {

    @Test
    void ranksTheUnitsOfAllLayersTogether() {
        // a (9, 4), b (1, .25): floor(4·.5) = 2 lowest across both layers, both units of b
        Map<String, Masks> m = new GlobalAllocator().allocate(List.of(Scores.units("a", 0.5, new float[] {9, 4}),
                Scores.units("b", 0.5, new float[] {1, 0.25f})));
        assertEquals("a 11, b 00", Scores.keeps(m));
        assertArrayEquals(new float[] {0, 0}, values(m.get("b").biasMask()));
    }

    @Test
    void aGroupAtOffsetsScoresEachChannelByTheMeanOfTheMembersCoveringIt() {
        // narrow covers channels 1 and 2 of wide's four: means 3, (1+8)/2, (2+.5)/2, 6, then c's 2 and 10.
        // N = 6, floor(6·.5) = 3 lowest: group channel 2 (1.25), c0 (2), group channel 0 (3)
        GlobalAllocator offsets = new GlobalAllocator(List.of(List.of("wide", "narrow")), Map.of("narrow", new int[] {1, 2}));
        assertEquals("wide 0101, narrow 10, c 01", Scores.keeps(offsets.allocate(List.of(
                Scores.units("wide", 0.5, new float[] {3, 1, 2, 6}), Scores.units("narrow", 0.5, new float[] {8, 0.5f}),
                Scores.units("c", 0.5, new float[] {2, 10})))));
    }

    @Test
    void tiesGoInLayerOrderThenUnitOrder() {
        // a (2, 1, 3), b (1, 5): floor(5·.4) = 2 → both 1s, a1 and b0; floor(5·.2) = 1 → of the tied 1s, a1 (a comes first)
        assertEquals("a 101, b 01", Scores.keeps(new GlobalAllocator().allocate(List.of(
                Scores.units("a", 0.4, new float[] {2, 1, 3}), Scores.units("b", 0.4, new float[] {1, 5})))));
        assertEquals("a 101, b 11", Scores.keeps(new GlobalAllocator().allocate(List.of(
                Scores.units("a", 0.2, new float[] {2, 1, 3}), Scores.units("b", 0.2, new float[] {1, 5})))));
    }

    @Test
    void unitsAlreadyPrunedGoFirstAndNoLayerIsSkippedForBeingSmall() {
        // b's single unit is pruned but scores 7: it goes first, then a's lowest; floor(3·.67) = 2
        assertEquals("a 10, b 0", Scores.keeps(new GlobalAllocator().allocate(List.of(Scores.units("a", 0.67, new float[] {2, 1}),
                Scores.units("b", 0.67, new float[] {7}, 0)))));
    }

    @Test
    void elementsOfLayersOfDifferentShapesRankTogether() {
        // fc1 [2, 2] = .4 .1 .3 .9, fc2 [1, 2] = .2 .5: floor(6·.5) = 3 → .1, .2, .3
        Map<String, Masks> m = new GlobalAllocator().allocate(List.of(
                Scores.elements("fc1", 0.5, 2, 2, new float[] {0.4f, 0.1f, 0.3f, 0.9f}, new float[] {1, 1, 1, 1}),
                Scores.elements("fc2", 0.5, 1, 2, new float[] {0.2f, 0.5f}, new float[] {1, 1})));
        assertArrayEquals(new float[] {1, 0, 0, 1}, values(m.get("fc1").weightMask()));
        assertArrayEquals(new float[] {0, 1}, values(m.get("fc2").weightMask()));
        assertArrayEquals(new long[] {1, 2}, m.get("fc2").weightMask().shape());
    }

    @Test
    void aDependencyGroupRanksEachSharedChannelOnceByTheMeanOfItsMembers() {
        // group {a, b}: a (1 5 3 2), b (4 1 1 1) → means 2.5 3 2 1.5; c alone: 1 .5 8 3. N = 4 + 4 = 8 units,
        // floor(8·.5) = 4 lowest: c1 (.5), c0 (1), g3 (1.5), g2 (2). By the sum (5 6 4 3) g2 would stay and c3 go.
        assertEquals("a 1100, b 1100, c 0011", Scores.keeps(new GlobalAllocator(List.of(List.of("a", "b"))).allocate(List.of(
                Scores.units("a", 0.5, new float[] {1, 5, 3, 2}), Scores.units("b", 0.5, new float[] {4, 1, 1, 1}),
                Scores.units("c", 0.5, new float[] {1, 0.5f, 8, 3})))));
    }

    @Test
    void aSharedChannelCountsAsAlreadyPrunedWhenEveryMemberPrunedIt() {
        // channel 0 pruned in both (scores 9 and 9), channel 1 only in a: floor(6·.34) = 2 → g0, then the lowest mean
        // means: g = (9, 3, 3.5) with g0 already pruned; c = (4, 6, 7) → g0, then g1 (3)
        assertEquals("a 001, b 001, c 111", Scores.keeps(new GlobalAllocator(List.of(List.of("a", "b"))).allocate(List.of(
                Scores.units("a", 0.34, new float[] {9, 1, 5}, 0, 1), Scores.units("b", 0.34, new float[] {9, 5, 2}, 0),
                Scores.units("c", 0.34, new float[] {4, 6, 7})))));
    }

    @Test
    void rejectsWhatOneRankingCannotServe() {
        GlobalAllocator allocator = new GlobalAllocator();
        IllegalArgumentException sparsity = assertThrows(IllegalArgumentException.class, () -> allocator.allocate(List.of(
                Scores.units("a", 0.5, new float[] {1, 2}), Scores.units("b", 0.25, new float[] {1, 2}))));
        assertEquals("a global ranking needs one sparsity for all layers: a has 0.5, b has 0.25", sparsity.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> allocator.allocate(List.of()));
        assertEquals("a global ranking needs at least one layer", empty.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new GlobalAllocator(
                List.of(List.of("a", "b"))).allocate(List.of(Scores.units("a", 0.5, new float[] {1, 2}))));
        assertEquals("dependency group [a, b] is ranked together, but b was not given to the allocator", missing.getMessage());
        IllegalArgumentException sizes = assertThrows(IllegalArgumentException.class, () -> new GlobalAllocator(
                List.of(List.of("a", "b"))).allocate(List.of(Scores.units("a", 0.5, new float[] {1, 2}),
                Scores.units("b", 0.5, new float[] {1, 2, 3}))));
        assertEquals("dependency group [a, b] needs output-unit scores of one size; a has 2 OUTPUT_UNIT scores, b has 3"
                + " OUTPUT_UNIT scores",
                sizes.getMessage());
    }
}
