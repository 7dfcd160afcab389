package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.nio.file.Path;

/**
 * MNIST (LeCun, Cortes and Burges): 28×28 grey images of handwritten digits, 60,000 for training and
 * 10,000 for testing, in the IDX format ({@code train-images-idx3-ubyte.gz} etc., gzip'd or not).
 *
 * <p>No Debian package ships MNIST; {@link #DEFAULT_DIRECTORY} follows the layout of
 * {@code dataset-fashion-mnist}, and any directory can be passed instead.
 */
public final class Mnist {

    /** The conventional location, beside Debian's Fashion-MNIST. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/mnist");
    /** The number of classes (digits 0 to 9). */
    public static final int NUM_CLASSES = 10;

    static final String MISSING_HINT = "download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into that directory or pass --data-dir";

    private Mnist() {
    }

    /** Loads {@code split} from {@link #DEFAULT_DIRECTORY} with {@link Normalization#MNIST}. */
    public static Dataset load(Split split) {
        return load(DEFAULT_DIRECTORY, split);
    }

    /** Loads {@code split} from {@code directory} with {@link Normalization#MNIST}. */
    public static Dataset load(Path directory, Split split) {
        return load(directory, split, Normalization.MNIST);
    }

    /**
     * Loads {@code split} from {@code directory}.
     *
     * @throws DatasetException when a file is missing or malformed
     */
    public static Dataset load(Path directory, Split split, Normalization normalization) {
        return IdxDataset.load("mnist", directory, split, normalization, NUM_CLASSES, MISSING_HINT);
    }
}
