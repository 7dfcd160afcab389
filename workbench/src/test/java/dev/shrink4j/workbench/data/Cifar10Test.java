package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

    @TempDir
    Path dir;

    /** A record whose red plane is all {@code r}, green all {@code g}, blue all {@code b}. */
    private static byte[] record(int label, int r, int g, int b) {
        byte[] rec = new byte[Cifar10.RECORD_BYTES];
        rec[0] = (byte) label;
        java.util.Arrays.fill(rec, 1, 1025, (byte) r);
        java.util.Arrays.fill(rec, 1025, 2049, (byte) g);
        java.util.Arrays.fill(rec, 2049, 3073, (byte) b);
        return rec;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void readsPlanesAndLabelsAcrossTheFiveTrainingBatches() throws IOException {
        for (int i = 1; i <= 5; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), concat(record(i, 255, 0, 51), record(9, 0, 255, 0)));
        }
        try (Dataset ds = Cifar10.load(dir, Split.TRAIN, Normalization.SCALE_ONLY)) {
            assertEquals(10, ds.size());
            assertArrayEquals(new long[] {10, 3, 32, 32}, ds.images().shape());
            long[] y = new long[10];
            ds.labels().data_ptr_long().get(y);
            assertArrayEquals(new long[] {1, 9, 2, 9, 3, 9, 4, 9, 5, 9}, y);
            // Image 0: R plane 1.0, G plane 0.0, B plane 0.2, at every pixel.
            assertEquals(1.0f, ds.images().get(0).get(0).mean().item_float(), 1e-7);
            assertEquals(0.0f, ds.images().get(0).get(1).abs().max().item_float());
            assertEquals(0.2f, ds.images().get(0).get(2).get(31).get(31).item_float(), 1e-7);
            assertEquals(1.0f, ds.images().get(9).get(1).get(0).get(0).item_float());
        }
    }

    @Test
    void normalisesPerChannel() throws IOException {
        Files.write(dir.resolve("test_batch.bin"), record(3, 255, 255, 255));
        try (Dataset ds = Cifar10.load(dir, Split.TEST)) {
            assertEquals((1 - 0.4914) / 0.2470, ds.images().get(0).get(0).get(5).get(7).item_float(), 1e-5);
            assertEquals((1 - 0.4822) / 0.2435, ds.images().get(0).get(1).get(5).get(7).item_float(), 1e-5);
            assertEquals((1 - 0.4465) / 0.2616, ds.images().get(0).get(2).get(5).get(7).item_float(), 1e-5);
        }
    }

    @Test
    void missingTruncatedAndBadLabelFilesAreReported() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> Cifar10.load(dir, Split.TEST));
        assertEquals(dir.resolve("test_batch.bin") + " not found: download the CIFAR-10 binary version (cifar-10-binary.tar.gz "
                + "from https://www.cs.toronto.edu/~kriz/cifar.html), extract it and pass its cifar-10-batches-bin directory "
                + "(--data-dir)", e.getMessage());
        Files.write(dir.resolve("test_batch.bin"), concat(record(1, 0, 0, 0), new byte[100]));
        e = assertThrows(DatasetException.class, () -> Cifar10.load(dir, Split.TEST));
        assertEquals(dir.resolve("test_batch.bin") + ": truncated: 3173 bytes is not a whole number of 3073-byte records",
                e.getMessage());
        Files.write(dir.resolve("test_batch.bin"), concat(record(1, 0, 0, 0), record(10, 0, 0, 0)));
        e = assertThrows(DatasetException.class, () -> Cifar10.load(dir, Split.TEST));
        assertEquals(dir.resolve("test_batch.bin") + ": label 10 of record 1 is outside [0, 10)", e.getMessage());
    }
}
