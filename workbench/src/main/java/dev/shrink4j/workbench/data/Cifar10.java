package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10 (Krizhevsky 2009), binary version: 32×32 colour images in 10 classes. A batch file is a
 * sequence of 3,073-byte records: one label byte, then 1,024 red, 1,024 green and 1,024 blue bytes
 * (row-major planes). Training uses {@code data_batch_1.bin} … {@code data_batch_5.bin}, testing
 * {@code test_batch.bin}.
 */
public final class Cifar10 {

    /** Bytes per record: label plus 3 × 32 × 32 pixels. */
    public static final int RECORD_BYTES = 1 + 3 * 32 * 32;
    /** The class names, by label. */
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    /** The training batch files, in order. */
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    /** The test batch file. */
    public static final String TEST_FILE = "test_batch.bin";

    static final String MISSING_HINT = "download the CIFAR-10 binary version (cifar-10-binary.tar.gz from "
            + "https://www.cs.toronto.edu/~kriz/cifar.html), extract it and pass its cifar-10-batches-bin directory (--data-dir)";

    private Cifar10() {
    }

    /** Loads {@code split} from {@code directory} with {@link Normalization#CIFAR10}. */
    public static Dataset load(Path directory, Split split) {
        return load(directory, split, Normalization.CIFAR10);
    }

    /**
     * Loads {@code split} from {@code directory}.
     *
     * @throws DatasetException when a file is missing, is not a whole number of records, or holds a
     *                          label outside [0, 10)
     */
    public static Dataset load(Path directory, Split split, Normalization normalization) {
        List<String> names = split == Split.TRAIN ? TRAIN_FILES : List.of(TEST_FILE);
        byte[][] contents = new byte[names.size()][];
        long total = 0;
        for (int i = 0; i < names.size(); i++) {
            contents[i] = readBatchFile(directory.resolve(names.get(i)));
            total += contents[i].length / RECORD_BYTES;
        }
        int n = Math.toIntExact(total);
        byte[] pixels = new byte[n * (RECORD_BYTES - 1)];
        byte[] labels = new byte[n];
        int k = 0;
        for (byte[] content : contents) {
            for (int off = 0; off < content.length; off += RECORD_BYTES, k++) {
                labels[k] = content[off];
                System.arraycopy(content, off + 1, pixels, k * (RECORD_BYTES - 1), RECORD_BYTES - 1);
            }
        }
        return Dataset.fromBytes("cifar10/" + split.name().toLowerCase(java.util.Locale.ROOT), pixels, 3, 32, 32,
                labels, CLASSES.size(), normalization);
    }

    /** Reads one batch file and checks its size and labels. */
    static byte[] readBatchFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + " not found: " + MISSING_HINT);
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read (" + e + ")", e);
        }
        if (content.length == 0 || content.length % RECORD_BYTES != 0) {
            throw new DatasetException(file + ": truncated: " + content.length + " bytes is not a whole number of "
                    + RECORD_BYTES + "-byte records");
        }
        for (int off = 0, i = 0; off < content.length; off += RECORD_BYTES, i++) {
            int label = content[off] & 0xFF;
            if (label >= CLASSES.size()) {
                throw new DatasetException(file + ": label " + label + " of record " + i + " is outside [0, " + CLASSES.size() + ")");
            }
        }
        return content;
    }
}
