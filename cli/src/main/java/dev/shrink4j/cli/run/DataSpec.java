package dev.shrink4j.cli.run;

import dev.shrink4j.workbench.data.Cifar10;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.Split;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A dataset the command line knows, with the input shape and class count it gives a model: one of the stored
 * datasets ({@link #values()}), possibly {@link #adapted} to other images ({@code --input-channels},
 * {@code --resize}). The shape methods ({@link #channels()}, {@link #height()}, {@link #width()},
 * {@link #inputShape}) give the adapted shape, which is what models are sized and traced for; {@link #load}
 * adapts the images it loads.
 */
public final class DataSpec {
    /** Fashion-MNIST: 1×28×28, 10 classes. */
    public static final DataSpec FASHION_MNIST = new DataSpec(Source.FASHION_MNIST, "fashion-mnist", 1, 28, 10);
    /** MNIST: 1×28×28, 10 classes. */
    public static final DataSpec MNIST = new DataSpec(Source.MNIST, "mnist", 1, 28, 10);
    /** CIFAR-10: 3×32×32, 10 classes. */
    public static final DataSpec CIFAR10 = new DataSpec(Source.CIFAR10, "cifar10", 3, 32, 10);

    private static final List<DataSpec> VALUES = List.of(FASHION_MNIST, MNIST, CIFAR10);

    /** Where the images come from. */
    private enum Source { FASHION_MNIST, MNIST, CIFAR10 }

    private final Source source;
    private final String cliName;
    private final int storedChannels;
    private final int storedSize;
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;

    private DataSpec(Source source, String cliName, int channels, int size, int classes) {
        this(source, cliName, channels, size, channels, size, size, classes);
    }

    private DataSpec(Source source, String cliName, int storedChannels, int storedSize, int channels, int height, int width,
                     int classes) {
        this.source = source;
        this.cliName = cliName;
        this.storedChannels = storedChannels;
        this.storedSize = storedSize;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    /** The stored datasets, unadapted. */
    public static DataSpec[] values() {
        return VALUES.toArray(new DataSpec[0]);
    }

    /**
     * The dataset named {@code name} on the command line.
     *
     * @throws UsageException listing the known names
     */
    public static DataSpec of(String name) {
        for (DataSpec d : VALUES) {
            if (d.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new UsageException("--data: unknown dataset \"" + name + "\"; known datasets: "
                + VALUES.stream().map(DataSpec::cliName).collect(Collectors.joining(", ")));
    }

    /**
     * This dataset with its images turned into {@code channels × height × width} ones (grey repeated into
     * three channels, then bilinear resizing: {@link Dataset#withChannels}, {@link Dataset#resized}).
     *
     * @throws UsageException naming the option: for a non-positive size, or a channel change other than
     *     repeating a grey channel
     */
    public DataSpec adapted(int channels, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new UsageException("--resize must be positive, got " + height + "x" + width);
        }
        if (channels != storedChannels && (storedChannels != 1 || channels != 3)) {
            throw new UsageException("--input-channels " + channels + ": " + cliName + " has " + storedChannels
                    + "-channel images; only 1-channel (grey) images can be repeated into 3 channels");
        }
        return new DataSpec(source, cliName, storedChannels, storedSize, channels, height, width, classes);
    }

    /** Whether the images are {@link #adapted} to another shape than the stored one. */
    public boolean isAdapted() {
        return channels != storedChannels || height != storedSize || width != storedSize;
    }

    /**
     * The options that turn this dataset's stored images into {@code [C, H, W]} images (non-positive: any size),
     * e.g. {@code --input-channels 3 --resize 20}; empty when none is needed, null when none can.
     */
    public String adaptingOptions(long[] chw) {
        List<String> options = new java.util.ArrayList<>();
        if (chw[0] > 0 && chw[0] != storedChannels) {
            if (storedChannels != 1 || chw[0] != 3) {
                return null;
            }
            options.add("--input-channels " + chw[0]);
        }
        long h = chw[1] > 0 ? chw[1] : storedSize;
        long w = chw[2] > 0 ? chw[2] : storedSize;
        if (h != storedSize || w != storedSize) {
            options.add("--resize " + (h == w ? Long.toString(h) : h + "x" + w));
        }
        return String.join(" ", options);
    }

    /** The command-line name ({@code fashion-mnist}). */
    public String cliName() {
        return cliName;
    }

    /** Image channels as stored, before adaptation (what {@link #normalization()} and a recorded one apply to). */
    public int storedChannels() {
        return storedChannels;
    }

    /** Image channels (after adaptation). */
    public int channels() {
        return channels;
    }

    /**
     * Image height and width of square images (after adaptation).
     *
     * @throws IllegalStateException when {@code --resize HxW} made them non-square: use {@link #height()} and
     *     {@link #width()}
     */
    public int size() {
        if (height != width) {
            throw new IllegalStateException(this + ": images are not square; use height() and width()");
        }
        return height;
    }

    /** Image height (after adaptation). */
    public int height() {
        return height;
    }

    /** Image width (after adaptation). */
    public int width() {
        return width;
    }

    /** Number of classes. */
    public int classes() {
        return classes;
    }

    /** Where the dataset is looked for when {@code --data-dir} is not given. */
    public Path defaultDirectory() {
        return switch (source) {
            case FASHION_MNIST -> IdxDataset.FASHION_MNIST.defaultDirectory();
            case MNIST -> IdxDataset.MNIST.defaultDirectory();
            case CIFAR10 -> Path.of("/usr/share/datasets/cifar10");
        };
    }

    /** Loads one split from {@code directory} (null: {@link #defaultDirectory()}), normalised as usual for the dataset. */
    public Dataset load(Path directory, Split split) {
        return load(directory, split, normalization());
    }

    /**
     * Loads one split from {@code directory} (null: {@link #defaultDirectory()}), normalised with {@code normalization}
     * (on the stored channels) and then adapted.
     */
    public Dataset load(Path directory, Split split, Normalization normalization) {
        Path dir = directory == null ? defaultDirectory() : directory;
        Dataset stored = switch (source) {
            case FASHION_MNIST -> IdxDataset.FASHION_MNIST.load(dir, split, normalization);
            case MNIST -> IdxDataset.MNIST.load(dir, split, normalization);
            case CIFAR10 -> Cifar10.load(dir, split, normalization);
        };
        if (!isAdapted()) {
            return stored;
        }
        try (stored; Dataset recoloured = stored.withChannels(channels)) {
            return height == storedSize && width == storedSize ? recoloured.limit(recoloured.size())
                    : recoloured.resized(height, width);
        }
    }

    /** The dataset's usual input normalisation (its training-set mean and standard deviation, per stored channel). */
    public Normalization normalization() {
        return switch (source) {
            case FASHION_MNIST -> Normalization.FASHION_MNIST;
            case MNIST -> Normalization.MNIST;
            case CIFAR10 -> Normalization.CIFAR10;
        };
    }

    /** The input shape of {@code batch} samples: {@code [batch, C, H, W]} (after adaptation). */
    public long[] inputShape(int batch) {
        return new long[] {batch, channels, height, width};
    }

    /** One image's shape {@code [C, H, W]} (after adaptation). */
    public long[] imageShape() {
        return new long[] {channels, height, width};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataSpec d && d.source == source && d.channels == channels && d.height == height && d.width == width;
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, channels, height, width);
    }

    @Override
    public String toString() {
        return cliName + (isAdapted() ? " as " + channels + "x" + height + "x" + width : "");
    }
}
