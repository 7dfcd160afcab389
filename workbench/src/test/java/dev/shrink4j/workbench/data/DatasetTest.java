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

    @Test
    void resizedIsBilinearWithHalfPixelCentres() {
        // One 1x2x2 image [[0, 51], [102, 255]] scaled to [0, 1]: a = 0, b = 0.2, c = 0.4, d = 1.
        try (Dataset ds = Dataset.fromBytes("grid", new byte[] {0, 51, 102, (byte) 255}, 1, 2, 2, new byte[] {1}, 2,
                Normalization.SCALE_ONLY); Dataset big = ds.resized(4, 4)) {
            assertArrayEquals(new long[] {1, 4, 4}, big.imageShape());
            // align_corners=false: output index i samples source x = (i + 0.5) / 2 - 0.5, clamped to >= 0, i.e.
            // 0, 0.25, 0.75, 1 (the last clamped to the edge); along both axes.
            double[] pos = {0, 0.25, 0.75, 1};
            double[] src = {0, 0.2, 0.4, 1};
            float[] expected = new float[16];
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    double top = src[0] * (1 - pos[c]) + src[1] * pos[c];
                    double bottom = src[2] * (1 - pos[c]) + src[3] * pos[c];
                    expected[4 * r + c] = (float) (top * (1 - pos[r]) + bottom * pos[r]);
                }
            }
            // spot values worked out by hand: corners keep the source pixels, (1, 1) = 0.75*(0.75*0+0.25*0.2)
            // + 0.25*(0.75*0.4+0.25*1) = 0.175
            assertEquals(0.175f, expected[5], 1e-7f);
            assertEquals(1f, expected[15], 1e-7f);
            float[] actual = new float[16];
            big.images().contiguous().data_ptr_float().get(actual);
            assertArrayEquals(expected, actual, 1e-6f);
            assertEquals(1L, big.labels().get(0).item_long());
        }
    }

    @Test
    void withChannelsRepeatsTheGreyChannel() {
        try (Dataset ds = fourSamples(); Dataset rgb = ds.withChannels(3)) {
            assertArrayEquals(new long[] {3, 1, 2}, rgb.imageShape());
            float[] x = new float[4 * 3 * 2];
            rgb.images().contiguous().data_ptr_float().get(x);
            float[] grey = {0f, 1f, 0.2f, 0f, 1f, 1f, 0.4f, 0.8f};
            for (int n = 0; n < 4; n++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(grey[2 * n], x[6 * n + 2 * ch], 1e-7f);
                    assertEquals(grey[2 * n + 1], x[6 * n + 2 * ch + 1], 1e-7f);
                }
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rgb.withChannels(1));
            assertEquals("Dataset four: cannot turn 3-channel images into 1-channel ones; only 1-channel (grey) images can "
                    + "be repeated into 3 channels", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ds.withChannels(2));
            assertEquals("Dataset four: cannot turn 1-channel images into 2-channel ones; only 1-channel (grey) images can "
                    + "be repeated into 3 channels", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ds.resized(0, 4));
            assertEquals("Dataset four: resize needs a positive height and width, got 0x4", e.getMessage());
        }
    }
}
