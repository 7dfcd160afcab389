package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetTest {

    private static Dataset fourSamples() {
        // Four 1x1x2 images: pixels (0, 255), (51, 0), (255, 255), (102, 204); labels 0, 1, 2, 3.
        return Dataset.fromBytes("four", new byte[] {0, (byte) 255, 51, 0, (byte) 255, (byte) 255, 102, (byte) 204}, 1, 1, 2,
                new byte[] {0, 1, 2, 3}, 4, Normalization.SCALE_ONLY);
    }

    @Test
    void limitIsAViewWithItsOwnLifetime() {
        Dataset limited;
        try (Dataset ds = fourSamples()) {
            limited = ds.limit(2);
            assertEquals(4, ds.limit(10).size());
        }
        try (limited) {
            assertEquals(2, limited.size());
            float[] x = new float[4];
            limited.images().contiguous().data_ptr_float().get(x);
            assertArrayEquals(new float[] {0f, 1f, 0.2f, 0f}, x, 1e-7f);
            assertEquals(1L, limited.labels().get(1).item_long());
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, limited::images);
        assertEquals("Dataset four is closed", closed.getMessage());
    }

    @Test
    void rejectsInconsistentInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dataset.fromBytes("bad",
                new byte[6], 1, 1, 2, new byte[] {0, 1}, 2, Normalization.SCALE_ONLY));
        assertEquals("Dataset bad: 2 labels need 4 pixel bytes (1x1x2 each), got 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Dataset.fromBytes("bad",
                new byte[4], 1, 1, 2, new byte[] {0, 5}, 2, Normalization.SCALE_ONLY));
        assertEquals("Dataset bad: label 5 at index 1 is outside [0, 2)", e.getMessage());
    }

    @Test
    void normalizationValidatesItsArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(new double[] {0.5, 0.5}, new double[] {0.2}));
        assertEquals("Normalization: need as many means as stds (at least one), got [0.5, 0.5] and [0.2]", e.getMessage());
        assertEquals((51 / 255.0 - 0.2860) / 0.3530, Normalization.FASHION_MNIST.apply(51, 0), 1e-15);
    }
}
