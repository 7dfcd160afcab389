package dev.shrink4j.prune.allocate;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.prune.core.Masks;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerLayerAllocatorTest {

    private final PerLayerAllocator allocator = new PerLayerAllocator();

    @Test
    void prunesFloorOfNTimesSLowestElementsLowerIndexFirstOnTies() {
        // |w| = .5 .1 2 .1 | 3 1 .2 .2 → floor(8·.5) = 4: .1 (1), .1 (3), then the tied .2s (6, 7)
        LayerScores l = Scores.elements("fc", 0.5, 2, 4, new float[] {0.5f, 0.1f, 2, 0.1f, 3, 1, 0.2f, 0.2f},
                new float[] {1, 1, 1, 1, 1, 1, 1, 1});
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 0, 0}, values(allocator.allocate(l).weightMask()));
        // floor(8·.3) = 2: the tie at .1 takes both; floor(8·.2) = 1: the lower index of the tie
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 1, 1, 1}, values(allocator.allocate(Scores.elements("fc", 0.3, 2, 4,
                new float[] {0.5f, 0.1f, 2, 0.1f, 3, 1, 0.2f, 0.2f}, new float[] {1, 1, 1, 1, 1, 1, 1, 1})).weightMask()));
    }

    @Test
    void alreadyPrunedElementsGoFirstWhateverTheirScore() {
        // element 0 is pruned but scores 5 (its stored weight grew); floor(6·.5) = 3: it, then the two smallest live ones
        LayerScores l = Scores.elements("fc", 0.5, 3, 2, new float[] {5, 0.1f, 0.3f, 2, 0.2f, 1}, new float[] {0, 1, 1, 1, 1, 1});
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 1}, values(allocator.allocate(l).weightMask()));
    }

    @Test
    void prunesWholeUnitsAlreadyPrunedFirstAndMasksTheirBias() {
        // scores 3 1 2 1, unit 0 already pruned: floor(4·.5) = 2 → unit 0, then the lowest, unit 1 (tied with 3)
        Masks m = allocator.allocate(Scores.units("conv", 0.5, new float[] {3, 1, 2, 1}, 0));
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 1}, values(m.weightMask()));
        assertArrayEquals(new float[] {0, 0, 1, 1}, values(m.biasMask()));
        // the same scores with nothing pruned yet: the tied 1s, units 1 and 3
        assertArrayEquals(new float[] {1, 0, 1, 0}, Scores.unitKeep(allocator.allocate(Scores.units("conv", 0.5,
                new float[] {3, 1, 2, 1}))));
        // at a lower sparsity than before only the lower-index pruned unit stays pruned
        assertArrayEquals(new float[] {1, 0, 1, 1}, Scores.unitKeep(allocator.allocate(Scores.units("conv", 0.25,
                new float[] {3, 9, 2, 1}, 1, 3))));
    }

    @Test
    void aLayerWithFewerThanTwoUnitsIsSkipped() {
        Masks m = allocator.allocate(Scores.units("conv", 0.9, new float[] {0.5f}));
        assertArrayEquals(new float[] {1, 1}, values(m.weightMask()));
        assertArrayEquals(new float[] {1}, values(m.biasMask()));
    }

    @Test
    void eachLayerIsAllocatedOnItsOwnInOrder() {
        assertEquals("b 01, a 10", Scores.keeps(allocator.allocate(List.of(Scores.units("b", 0.5, new float[] {1, 2}),
                Scores.units("a", 0.5, new float[] {9, 8})))));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> allocator.allocate(List.of(
                Scores.units("a", 0.5, new float[] {1, 2}), Scores.units("a", 0.5, new float[] {1, 2}))));
        assertEquals("a was given to the allocator twice", twice.getMessage());
    }
}
