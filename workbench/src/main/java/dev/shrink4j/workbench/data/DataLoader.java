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
 * <p>With a {@link Sampler} ({@link Builder#optSampler}) instead, epoch {@code e} (the {@code e}-th call
 * of {@link #iterator()}, from 0) visits {@code sampler.indices(e)} in that order, copied like shuffled
 * batches; a data-parallel process reads only its own shard this way.
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
    private final Sampler sampler;
    private int nextEpoch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.random = new Random(b.seed);
        this.sampler = b.sampler;
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

    /** The sampler choosing each epoch's samples, or null (the whole dataset, shuffled or not). */
    public Sampler sampler() {
        return sampler;
    }

    /** The number of batches per epoch. */
    public int batchCount() {
        int n = epochSize();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The number of samples per epoch ({@code dataset().size()} or the sampler's size, less the dropped tail). */
    public int sampleCount() {
        return dropLast ? batchCount() * batchSize : epochSize();
    }

    private int epochSize() {
        return sampler == null ? dataset.size() : sampler.size();
    }

    /**
     * Starts an epoch; with shuffling, draws the next permutation; with a sampler, takes its order for
     * this epoch.
     *
     * @throws IllegalStateException when the sampler's order has the wrong length or an index outside the dataset
     */
    @Override
    public Iterator<Batch> iterator() {
        int epoch = nextEpoch++;
        int[] order = sampler != null ? checkedOrder(epoch) : shuffle ? permutation(dataset.size(), random) : null;
        return new BatchIterator(order);
    }

    private int[] checkedOrder(int epoch) {
        int[] order = sampler.indices(epoch);
        String what = "DataLoader: sampler " + sampler.getClass().getSimpleName() + ", epoch " + epoch + ",";
        if (order.length != sampler.size()) {
            throw new IllegalStateException(what + " has " + order.length + " indices, but its size() is " + sampler.size());
        }
        for (int i = 0; i < order.length; i++) {
            if (order[i] < 0 || order[i] >= dataset.size()) {
                throw new IllegalStateException(what + " index " + order[i] + " at position " + i + " is outside dataset "
                        + dataset.name() + " of " + dataset.size() + " samples");
            }
        }
        return order;
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
            int size = Math.min(batchSize, (order == null ? dataset.size() : order.length) - start);
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
        private Sampler sampler;

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

        /**
         * Lets {@code sampler} choose each epoch's samples and their order (a data-parallel shard);
         * excludes {@link #optShuffle}.
         */
        public Builder optSampler(Sampler sampler) {
            this.sampler = Objects.requireNonNull(sampler, "sampler");
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
         * @throws IllegalArgumentException when the dataset is missing, the batch size not positive, or
         *     both a sampler and shuffling are set
         */
        public DataLoader build() {
            Objects.requireNonNull(dataset, "DataLoader: setDataset is required");
            if (batchSize <= 0) {
                throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
            }
            if (sampler != null && shuffle) {
                throw new IllegalArgumentException("DataLoader: optShuffle and optSampler exclude each other; the sampler "
                        + sampler.getClass().getSimpleName() + " decides the order");
            }
            return new DataLoader(this);
        }
    }
}
