package dev.shrink4j.prune.allocate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyGroupAllocatorTest {

    private final DependencyGroupAllocator allocator = new DependencyGroupAllocator(List.of(List.of("a", "b")));

    @Test
    void aGroupPrunesTheChannelsWithTheLowestSummedScoresInEveryMember() {
        // a = 1 5 3 2, b = 4 1 1 1 → sums 5 6 4 3. Alone a would prune {0, 3} and b {1, 2}; together
        // floor(4·.5) = 2 channels with the lowest sums, {3, 2}, in both. c is in no group: its own two lowest.
        assertEquals("c 1001, a 1100, b 1100", Scores.keeps(allocator.allocate(List.of(
                Scores.units("c", 0.5, new float[] {3, 1, 2, 4}), Scores.units("a", 0.5, new float[] {1, 5, 3, 2}),
                Scores.units("b", 0.5, new float[] {4, 1, 1, 1})))));
    }

    @Test
    void aMemberWithAHigherSparsityPrunesMoreByItsOwnScores() {
        // s_min = .5: common {3, 2} (sums 3 and 4); b at .75 prunes floor(3) = 3: the common two, then its own lowest, 1
        assertEquals("a 1100, b 1000", Scores.keeps(allocator.allocate(List.of(
                Scores.units("a", 0.5, new float[] {1, 5, 3, 2}), Scores.units("b", 0.75, new float[] {4, 1, 1, 1})))));
    }

    @Test
    void channelsEveryMemberPrunedBeforeRankFirstInCommon() {
        // channel 0 is pruned in both but scores high (as FPGM's stored weights do): it stays pruned, then the
        // lowest sum of the rest, channel 3 (sums 9 6 4 3 → without the rule the common two would be {3, 2})
        assertEquals("a 0110, b 0110", Scores.keeps(allocator.allocate(List.of(
                Scores.units("a", 0.5, new float[] {5, 5, 3, 2}, 0), Scores.units("b", 0.5, new float[] {4, 1, 1, 1}, 0)))));
    }

    @Test
    void aGroupAtOffsetsRanksItsChannelsOnceAndGivesEachMemberItsSlice() {
        // wide covers channels 0..3 index for index, narrow covers 1 and 2 (an option-A stage at offset 1):
        // sums 3, 1+8, 2+0.5, 6 → floor(4·.5) = 2 lowest, channels 2 and 0; narrow loses channel 2 only
        DependencyGroupAllocator offsets = new DependencyGroupAllocator(List.of(List.of("wide", "narrow")),
                Map.of("narrow", new int[] {1, 2}));
        assertEquals("wide 0101, narrow 10", Scores.keeps(offsets.allocate(List.of(
                Scores.units("wide", 0.5, new float[] {3, 1, 2, 6}), Scores.units("narrow", 0.5, new float[] {8, 0.5f})))));
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> new DependencyGroupAllocator(
                List.of(List.of("a", "b")), Map.of("a", new int[] {0, 1}, "b", new int[] {3, 4})).allocate(List.of(
                Scores.units("a", 0.5, new float[] {1, 2}), Scores.units("b", 0.5, new float[] {1, 2}))));
        assertEquals("dependency group [a, b] has channels that no member covers", gap.getMessage());
    }

    @Test
    void rejectsGroupsItCannotServe() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> allocator.allocate(List.of(Scores.units("b", 0.5, new float[] {1, 2}))));
        assertEquals("dependency group [a, b] is ranked together, but a was not given to the allocator", missing.getMessage());
        IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
                () -> new DependencyGroupAllocator(List.of(List.of("a"))));
        assertEquals("a dependency group needs at least 2 layers, got [a]", single.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> new DependencyGroupAllocator(List.of(List.of("a", "b"), List.of("c", "a"))));
        assertEquals("a is in two dependency groups: [a, b] and [c, a]", twice.getMessage());
    }
}
