package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class RandomStateTest {

    private static float[] draw(int n) {
        try (PointerScope scope = new PointerScope()) {
            float[] out = new float[n];
            torch.rand(n).contiguous().data_ptr_float().get(out);
            return out;
        }
    }

    @Test
    void drawsAfterPreservedWorkAreTheDrawsWithoutIt() {
        torch.manual_seed(42);
        float[] expected = draw(8);
        torch.manual_seed(42);
        float[] inside = RandomState.preserving(() -> draw(1000));
        float[] after = draw(8);
        assertArrayEquals(expected, after);
        assertArrayEquals(expected, Arrays.copyOf(inside, 8), "the work started from the same state");
    }

    @Test
    void theStateIsRestoredWhenTheWorkThrows() {
        torch.manual_seed(7);
        float[] expected = draw(4);
        torch.manual_seed(7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RandomState.preserving(() -> {
            draw(100);
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        assertArrayEquals(expected, draw(4));
    }
}
