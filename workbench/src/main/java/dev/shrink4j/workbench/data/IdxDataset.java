package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datasets stored as MNIST is: 28×28 grey images, 60,000 for training and 10,000 for testing, in a
 * directory of four IDX files ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}); uncompressed copies with the same
 * names minus {@code .gz} are accepted too.
 *
 * <pre>{@code
 * try (Dataset train = IdxDataset.FASHION_MNIST.load(Split.TRAIN)) { ... }
 * }</pre>
 */
public enum IdxDataset {

    /**
     * Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): clothing in 10 classes. The default directory is where
     * Debian's {@code dataset-fashion-mnist} package installs the files.
     */
    FASHION_MNIST(Path.of("/usr/share/datasets/fashion-mnist"), Normalization.FASHION_MNIST,
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            "install Debian's dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist) or pass --data-dir"),

    /**
     * MNIST (LeCun, Cortes and Burges): handwritten digits 0 to 9. No Debian package ships it; the default
     * directory follows the layout of {@code dataset-fashion-mnist}, and any directory can be passed instead.
     */
    MNIST(Path.of("/usr/share/datasets/mnist"), Normalization.MNIST,
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            "download the four MNIST files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                    + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into that directory or pass --data-dir");

    private static final Logger LOG = LoggerFactory.getLogger(IdxDataset.class);

    private final Path defaultDirectory;
    private final Normalization normalization;
    private final List<String> classes;
    private final String missingHint;

    IdxDataset(Path defaultDirectory, Normalization normalization, List<String> classes, String missingHint) {
        this.defaultDirectory = defaultDirectory;
        this.normalization = normalization;
        this.classes = classes;
        this.missingHint = missingHint;
    }

    /** Loads {@code split} from {@link #defaultDirectory()} with {@link #normalization()}. */
    public Dataset load(Split split) {
        return load(defaultDirectory, split);
    }

    /** Loads {@code split} from {@code directory} with {@link #normalization()}. */
    public Dataset load(Path directory, Split split) {
        return load(directory, split, normalization);
    }

    /**
     * Loads {@code split} from {@code directory}: {@code train-images-idx3-ubyte[.gz]} and
     * {@code train-labels-idx1-ubyte[.gz]}, or the {@code t10k-} pair.
     *
     * @throws DatasetException when a file is missing (saying how to obtain it) or malformed
     */
    public Dataset load(Path directory, Split split, Normalization normalization) {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        Path imagesFile = resolve(directory, prefix + "-images-idx3-ubyte");
        Path labelsFile = resolve(directory, prefix + "-labels-idx1-ubyte");
        long t0 = System.nanoTime();
        IdxImages images = Idx.readImages(imagesFile);
        byte[] labels = Idx.readLabels(labelsFile);
        if (images.count() != labels.length) {
            throw new DatasetException(imagesFile + " has " + images.count() + " images but " + labelsFile + " has "
                    + labels.length + " labels; the two files must come from the same release");
        }
        int numClasses = classes.size();
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i] & 0xFF;
            if (label >= numClasses) {
                throw new DatasetException(labelsFile + ": label " + label + " at index " + i + " is outside [0, " + numClasses + ")");
            }
        }
        Dataset ds = Dataset.fromBytes(datasetName() + "/" + split.name().toLowerCase(Locale.ROOT),
                images.pixels(), 1, images.rows(), images.cols(), labels, numClasses, normalization);
        LOG.debug("loaded {} from {} in {} ms", ds, directory, (System.nanoTime() - t0) / 1_000_000);
        return ds;
    }

    /** Where the files are looked for when no directory is given. */
    public Path defaultDirectory() {
        return defaultDirectory;
    }

    /** The class names, by label. */
    public List<String> classes() {
        return classes;
    }

    /** The dataset's name in datasets' names and on the command line: {@code fashion-mnist}, {@code mnist}. */
    public String datasetName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The dataset's usual input normalisation (its training-set mean and standard deviation). */
    public Normalization normalization() {
        return normalization;
    }

    /** {@code dir/base.gz} if present, else {@code dir/base}; otherwise a message naming the .gz file. */
    private Path resolve(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new DatasetException(gz + " not found: " + missingHint);
    }
}
