package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import static dev.shrink4j.workbench.data.TestFiles.idx;
import static dev.shrink4j.workbench.data.TestFiles.writeGz;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {

    @TempDir
    Path dir;

    /** Writes a t10k pair of two 2x2 images with pixels 0, 51, 255, 102 | 255, 0, 0, 0 and labels 9, 0. */
    private void writeTinyTestSplit() throws IOException {
        writeGz(dir.resolve("t10k-images-idx3-ubyte.gz"),
                idx(new byte[] {0, 51, (byte) 255, 102, (byte) 255, 0, 0, 0}, 2051, 2, 2, 2));
        writeGz(dir.resolve("t10k-labels-idx1-ubyte.gz"), idx(new byte[] {9, 0}, 2049, 2));
    }

    @Test
    void missingFileSaysHowToInstallIt() {
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.FASHION_MNIST.load(dir, Split.TRAIN));
        assertEquals(dir.resolve("train-images-idx3-ubyte.gz") + " not found: install Debian's dataset-fashion-mnist "
                + "(apt-get install -y dataset-fashion-mnist) or pass --data-dir", e.getMessage());
    }

    @Test
    void normalisesWithFashionMnistStatistics() throws IOException {
        writeTinyTestSplit();
        try (Dataset ds = IdxDataset.FASHION_MNIST.load(dir, Split.TEST)) {
            assertEquals("fashion-mnist/test", ds.name());
            assertEquals(2, ds.size());
            assertArrayEquals(new long[] {2, 1, 2, 2}, ds.images().shape());
            float[] x = new float[8];
            ds.images().contiguous().data_ptr_float().get(x);
            int[] pixels = {0, 51, 255, 102, 255, 0, 0, 0};
            for (int i = 0; i < 8; i++) {
                // (p/255 − 0.2860)/0.3530: 0 → −0.81020, 51 → −0.24363, 255 → 2.02266
                assertEquals((pixels[i] / 255.0 - 0.2860) / 0.3530, x[i], 1e-6, "pixel " + i);
            }
            assertEquals(-0.2860 / 0.3530, x[0], 1e-6);
            long[] y = new long[2];
            ds.labels().data_ptr_long().get(y);
            assertArrayEquals(new long[] {9, 0}, y);
        }
    }

    @Test
    void customNormalisationAndMnistDefaults() throws IOException {
        writeTinyTestSplit();
        try (Dataset scaled = IdxDataset.FASHION_MNIST.load(dir, Split.TEST, Normalization.SCALE_ONLY);
             Dataset mnist = IdxDataset.MNIST.load(dir, Split.TEST)) {
            assertEquals(0.2f, scaled.images().flatten(0, -1).get(1).item_float(), 1e-7);
            assertEquals((1.0 - 0.1307) / 0.3081, mnist.images().flatten(0, -1).get(2).item_float(), 1e-6);
        }
    }

    @Test
    void acceptsUncompressedFiles() throws IOException {
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(new byte[] {0, 0, 0, 0}, 2051, 1, 2, 2));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(new byte[] {3}, 2049, 1));
        try (Dataset ds = IdxDataset.FASHION_MNIST.load(dir, Split.TEST)) {
            assertEquals(3L, ds.labels().get(0).item_long());
        }
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        writeGz(dir.resolve("t10k-images-idx3-ubyte.gz"), idx(new byte[8], 2051, 2, 2, 2));
        writeGz(dir.resolve("t10k-labels-idx1-ubyte.gz"), idx(new byte[] {1, 2, 3}, 2049, 3));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.FASHION_MNIST.load(dir, Split.TEST));
        assertEquals(dir.resolve("t10k-images-idx3-ubyte.gz") + " has 2 images but " + dir.resolve("t10k-labels-idx1-ubyte.gz")
                + " has 3 labels; the two files must come from the same release", e.getMessage());
    }

    @Test
    void labelOutOfRangeIsReported() throws IOException {
        writeGz(dir.resolve("t10k-images-idx3-ubyte.gz"), idx(new byte[8], 2051, 2, 2, 2));
        writeGz(dir.resolve("t10k-labels-idx1-ubyte.gz"), idx(new byte[] {1, 12}, 2049, 2));
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.FASHION_MNIST.load(dir, Split.TEST));
        assertEquals(dir.resolve("t10k-labels-idx1-ubyte.gz") + ": label 12 at index 1 is outside [0, 10)", e.getMessage());
    }

    @Test
    void loadsTheRealTestSet() {
        try (Dataset ds = IdxDataset.FASHION_MNIST.load(TestFiles.fashionMnistDir(), Split.TEST)) {
            assertEquals(10_000, ds.size());
            assertArrayEquals(new long[] {1, 28, 28}, ds.imageShape());
            // The first test image is an ankle boot; each class has exactly 1,000 test images.
            assertEquals(9L, ds.labels().get(0).item_long());
            assertEquals(1000L, ds.labels().eq(new org.bytedeco.pytorch.Scalar(3)).sum().item_long());
            // Background pixels (0) normalise to −mean/std.
            assertEquals(-0.2860 / 0.3530, ds.images().min().item_float(), 1e-6);
        }
    }
}
