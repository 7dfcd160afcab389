package dev.shrink4j.workbench.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/**
 * Cuts a {@link Dataset} into mini-batches, optionally shuffled with a seeded {@link Random}.
 *
 * <p>Each call of {@link #iterator()} starts an epoch. With shuffling, the epoch's order is the next
 * permutation drawn from a {@code Random} seeded once at construction: the same seed gives the same
 * sequence of epochs, another seed a different one. Without shuffling, batches are views
 * ({@code narrow}) of the dataset; with it, copies ({@code index_select}).
 *
 * <p>A batch's tensors belong to the {@code PointerScope} open when {@link Iterator#next()} is
 * called, so call it inside the step's scope:
 * <pre>{@code
 * Iterator<Batch> it = loader.iterator();
 * while (it.hasNext()) {
 *     try (PointerScope step = new PointerScope()) {
 *         Batch b = it.next();
 *         ...
 *     }
 * }
 * }</pre>
 */
public final class DataLoader implements Iterable<Batch> {

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final Random random;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.random = new Random(b.seed);
    }

    /** A builder: {@code setDataset} and {@code setBatchSize} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dataset (not owned by the loader). */
    public Dataset dataset() {
        return dataset;
    }

    /** The batch size (the last batch may be smaller unless {@link #dropLast()}). */
    public int batchSize() {
        return batchSize;
    }

    /** Whether each epoch is shuffled. */
    public boolean shuffle() {
        return shuffle;
    }

    /** The seed of the shuffling generator. */
    public long seed() {
        return seed;
    }

    /** Whether an incomplete last batch is skipped. */
    public boolean dropLast() {
        return dropLast;
    }

    /** The number of batches per epoch. */
    public int batchCount() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The number of samples per epoch ({@code dataset().size()}, less the dropped tail). */
    public int sampleCount() {
        return dropLast ? batchCount() * batchSize : dataset.size();
    }

    /** Starts an epoch; with shuffling, draws the next permutation. */
    @Override
    public Iterator<Batch> iterator() {
        int[] order = shuffle ? permutation(dataset.size(), random) : null;
        return new BatchIterator(order);
    }

    /**
     * A uniformly random permutation of {@code 0 … n-1} (Fisher–Yates, as {@code Collections.shuffle}
     * does for random-access lists).
     */
    static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private final class BatchIterator implements Iterator<Batch> {
        private final int[] order;
        private final int batches = batchCount();
        private int next;

        BatchIterator(int[] order) {
            this.order = order;
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch finished after " + batches + " batches");
            }
            int start = next * batchSize;
            int size = Math.min(batchSize, dataset.size() - start);
            next++;
            if (order == null) {
                return new Batch(dataset.images().narrow(0, start, size), dataset.labels().narrow(0, start, size));
            }
            long[] idx = new long[size];
            for (int i = 0; i < size; i++) {
                idx[i] = order[start + i];
            }
            Tensor index = Tensor.create(idx, size);
            return new Batch(dataset.images().index_select(0, index), dataset.labels().index_select(0, index));
        }
    }

    /** Options for {@link DataLoader}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Dataset dataset;
        private int batchSize;
        private boolean shuffle;
        private long seed;
        private boolean dropLast;

        private Builder() {
        }

        /** The dataset to batch (required). */
        public Builder setDataset(Dataset dataset) {
            this.dataset = dataset;
            return this;
        }

        /** The batch size, positive (required). */
        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Shuffles every epoch with a {@code Random} seeded with {@code seed}. */
        public Builder optShuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Skips the last batch when it is smaller than the batch size (default: keep it). */
        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * Builds the loader.
         *
         * @throws IllegalArgumentException when the dataset is missing or the batch size not positive
         */
        public DataLoader build() {
            Objects.requireNonNull(dataset, "DataLoader: setDataset is required");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
            }
            return new DataLoader(this);
        }
    }
}
