package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28×28 grey images of clothing in 10 classes,
 * 60,000 for training and 10,000 for testing, in the IDX format of MNIST.
 *
 * <p>The default directory is where Debian's {@code dataset-fashion-mnist} package installs the
 * files ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}); uncompressed copies with
 * the same names minus {@code .gz} are accepted too.
 *
 * <pre>{@code
 * try (Dataset train = FashionMnist.load(Split.TRAIN)) { ... }
 * }</pre>
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /** The class names, by label. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    static final String MISSING_HINT =
            "install Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist) or pass --data-dir";

    private FashionMnist() {
    }

    /** Loads {@code split} from {@link #DEFAULT_DIRECTORY} with {@link Normalization#FASHION_MNIST}. */
    public static Dataset load(Split split) {
        return load(DEFAULT_DIRECTORY, split);
    }

    /** Loads {@code split} from {@code directory} with {@link Normalization#FASHION_MNIST}. */
    public static Dataset load(Path directory, Split split) {
        return load(directory, split, Normalization.FASHION_MNIST);
    }

    /**
     * Loads {@code split} from {@code directory}.
     *
     * @throws DatasetException when a file is missing (saying how to install it) or malformed
     */
    public static Dataset load(Path directory, Split split, Normalization normalization) {
        return IdxDataset.load("fashion-mnist", directory, split, normalization, CLASSES.size(), MISSING_HINT);
    }
}
