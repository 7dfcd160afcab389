package dev.shrink4j.workbench.data;

import dev.shrink4j.nn.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads an MNIST-layout directory (four IDX files, gzip'd or not) into a {@link Dataset}. */
final class IdxDataset {

    private static final Logger LOG = LoggerFactory.getLogger(IdxDataset.class);

    private IdxDataset() {
    }

    /**
     * Loads {@code split} from {@code dir}: {@code train-images-idx3-ubyte[.gz]} and
     * {@code train-labels-idx1-ubyte[.gz]}, or the {@code t10k-} pair.
     *
     * @param missingHint what to do when a file is missing, appended to "… not found: "
     */
    static Dataset load(String datasetName, Path dir, Split split, Normalization normalization, int numClasses,
                        String missingHint) {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        Path imagesFile = resolve(dir, prefix + "-images-idx3-ubyte", missingHint);
        Path labelsFile = resolve(dir, prefix + "-labels-idx1-ubyte", missingHint);
        long t0 = System.nanoTime();
        IdxImages images = Idx.readImages(imagesFile);
        byte[] labels = Idx.readLabels(labelsFile);
        if (images.count() != labels.length) {
            throw new DatasetException(imagesFile + " has " + images.count() + " images but " + labelsFile + " has "
                    + labels.length + " labels; the two files must come from the same release");
        }
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i] & 0xFF;
            if (label >= numClasses) {
                throw new DatasetException(labelsFile + ": label " + label + " at index " + i + " is outside [0, " + numClasses + ")");
            }
        }
        Dataset ds = Dataset.fromBytes(datasetName + "/" + split.name().toLowerCase(java.util.Locale.ROOT),
                images.pixels(), 1, images.rows(), images.cols(), labels, numClasses, normalization);
        LOG.debug("loaded {} from {} in {} ms", ds, dir, (System.nanoTime() - t0) / 1_000_000);
        return ds;
    }

    /** {@code dir/base.gz} if present, else {@code dir/base}; otherwise a message naming the .gz file. */
    private static Path resolve(Path dir, String base, String missingHint) {
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
