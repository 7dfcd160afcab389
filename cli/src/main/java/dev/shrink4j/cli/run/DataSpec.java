package dev.shrink4j.cli.run;

import dev.shrink4j.workbench.data.Cifar10;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.Split;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The datasets the command line knows, with the input shape and class count they give a model. */
public enum DataSpec {
    /** Fashion-MNIST: 1×28×28, 10 classes. */
    FASHION_MNIST("fashion-mnist", 1, 28, 10),
    /** MNIST: 1×28×28, 10 classes. */
    MNIST("mnist", 1, 28, 10),
    /** CIFAR-10: 3×32×32, 10 classes. */
    CIFAR10("cifar10", 3, 32, 10);

    private final String cliName;
    private final int channels;
    private final int size;
    private final int classes;

    DataSpec(String cliName, int channels, int size, int classes) {
        this.cliName = cliName;
        this.channels = channels;
        this.size = size;
        this.classes = classes;
    }

    /**
     * The dataset named {@code name} on the command line.
     *
     * @throws UsageException listing the known names
     */
    public static DataSpec of(String name) {
        for (DataSpec d : values()) {
            if (d.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new UsageException("--data: unknown dataset \"" + name + "\"; known datasets: "
                + Arrays.stream(values()).map(DataSpec::cliName).collect(Collectors.joining(", ")));
    }

    /** The command-line name ({@code fashion-mnist}). */
    public String cliName() {
        return cliName;
    }

    /** Image channels. */
    public int channels() {
        return channels;
    }

    /** Image height and width. */
    public int size() {
        return size;
    }

    /** Number of classes. */
    public int classes() {
        return classes;
    }

    /** Where the dataset is looked for when {@code --data-dir} is not given. */
    public Path defaultDirectory() {
        return switch (this) {
            case FASHION_MNIST -> IdxDataset.FASHION_MNIST.defaultDirectory();
            case MNIST -> IdxDataset.MNIST.defaultDirectory();
            case CIFAR10 -> Path.of("/usr/share/datasets/cifar10");
        };
    }

    /** Loads one split from {@code directory} (null: {@link #defaultDirectory()}), normalised as usual for the dataset. */
    public Dataset load(Path directory, Split split) {
        return load(directory, split, normalization());
    }

    /** Loads one split from {@code directory} (null: {@link #defaultDirectory()}), normalised with {@code normalization}. */
    public Dataset load(Path directory, Split split, Normalization normalization) {
        Path dir = directory == null ? defaultDirectory() : directory;
        return switch (this) {
            case FASHION_MNIST -> IdxDataset.FASHION_MNIST.load(dir, split, normalization);
            case MNIST -> IdxDataset.MNIST.load(dir, split, normalization);
            case CIFAR10 -> Cifar10.load(dir, split, normalization);
        };
    }

    /** The dataset's usual input normalisation (its training-set mean and standard deviation). */
    public Normalization normalization() {
        return switch (this) {
            case FASHION_MNIST -> Normalization.FASHION_MNIST;
            case MNIST -> Normalization.MNIST;
            case CIFAR10 -> Normalization.CIFAR10;
        };
    }

    /** The input shape of {@code batch} samples: {@code [batch, C, H, W]}. */
    public long[] inputShape(int batch) {
        return new long[] {batch, channels, size, size};
    }
}
