package dev.shrink4j.distributed;

import dev.shrink4j.workbench.data.Sampler;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One rank's shard of a dataset, epoch by epoch, exactly as PyTorch's
 * {@code torch.utils.data.distributed.DistributedSampler} gives it:
 * <ol>
 *   <li>the epoch's order is {@code torch.randperm(n, generator)} with a CPU generator seeded
 *       {@code seed + epoch} (libtorch's own generator and permutation, the same numbers as Python's),
 *       or {@code 0 … n−1} without shuffling;</li>
 *   <li>without {@code drop_last} the order is padded to {@code W·⌈n/W⌉} by repeating it from its start;
 *       with it, cut to {@code W·⌊n/W⌋};</li>
 *   <li>rank {@code r} takes positions {@code r, r+W, r+2W, …}.</li>
 * </ol>
 * So every rank gets {@link #size()} indices, the shards of one epoch cover the dataset (a few samples
 * twice when padded), and all ranks run the same number of steps. Use it as a
 * {@link dev.shrink4j.workbench.data.DataLoader}'s sampler: epoch {@code e} of the loader is epoch
 * {@code e} here.
 *
 * <pre>{@code
 * DistributedSampler shard = DistributedSampler.builder().setDatasetSize(train.size())
 *         .setContext(ctx).optSeed(42).build();
 * DataLoader loader = DataLoader.builder().setDataset(train).setBatchSize(64).optSampler(shard).build();
 * }</pre>
 *
 * <p>The test {@code DistributedSamplerTest} compares the indices with those of PyTorch 1.13's sampler.
 */
public final class DistributedSampler implements Sampler {

    private final int datasetSize;
    private final int rank;
    private final int worldSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int size;

    private DistributedSampler(Builder b) {
        this.datasetSize = b.datasetSize;
        this.rank = b.rank;
        this.worldSize = b.worldSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        // PyTorch: ceil((n − W) / W) when dropping an uneven tail, else ceil(n / W)
        this.size = dropLast && datasetSize % worldSize != 0 ? (datasetSize - worldSize + worldSize - 1) / worldSize
                : (datasetSize + worldSize - 1) / worldSize;
    }

    /** A builder: {@code setDatasetSize} and {@code setShard} (or {@code setContext}) are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Indices per rank and epoch (PyTorch's {@code num_samples}). */
    @Override
    public int size() {
        return size;
    }

    /** Indices of one epoch over all ranks, {@code size() · worldSize} (PyTorch's {@code total_size}). */
    public int totalSize() {
        return size * worldSize;
    }

    /** This rank's indices in epoch {@code epoch}: positions {@code rank, rank+W, …} of {@link #epochOrder}. */
    @Override
    public int[] indices(int epoch) {
        int[] order = epochOrder(epoch);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = order[rank + i * worldSize];
        }
        return out;
    }

    /**
     * The order of epoch {@code epoch} over all ranks: the permutation (or identity), padded or cut to
     * {@link #totalSize()}.
     *
     * @throws IllegalArgumentException when {@code epoch} is negative
     */
    public int[] epochOrder(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DistributedSampler: epoch must be non-negative, got " + epoch);
        }
        int[] base = shuffle ? permutation(datasetSize, seed + epoch) : identity(datasetSize);
        int total = totalSize();
        int[] order = new int[total];
        for (int i = 0; i < total; i++) {
            order[i] = base[i % datasetSize]; // padding repeats the order from its start, as often as needed
        }
        return order;
    }

    /** libtorch's {@code randperm(n)} drawn from a fresh CPU generator seeded {@code seed} (Python's numbers). */
    static int[] permutation(int n, long seed) {
        try (PointerScope scope = new PointerScope()) {
            Generator generator = torch.createCPUGenerator(seed);
            try {
                Tensor p = torch.randperm(n, new GeneratorOptional(generator), new TensorOptions(torch.ScalarType.Long));
                long[] values = new long[n];
                p.contiguous().data_ptr_long().get(values);
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (int) values[i];
                }
                return out;
            } finally {
                generator.close();
            }
        }
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    /** This sampler's rank. */
    public int rank() {
        return rank;
    }

    /** The number of ranks sharing the dataset. */
    public int worldSize() {
        return worldSize;
    }

    /** The seed; epoch {@code e} shuffles with {@code seed + e}. */
    public long seed() {
        return seed;
    }

    /** Options for {@link DistributedSampler}: {@code set…} required, {@code opt…} optional (PyTorch's defaults). */
    public static final class Builder {
        private int datasetSize = -1;
        private int rank = -1;
        private int worldSize;
        private boolean shuffle = true;
        private long seed;
        private boolean dropLast;

        private Builder() {
        }

        /** The number of samples in the dataset (required, positive). */
        public Builder setDatasetSize(int datasetSize) {
            this.datasetSize = datasetSize;
            return this;
        }

        /** Which shard: this process's rank among {@code worldSize} processes (required, or {@link #setContext}). */
        public Builder setShard(int rank, int worldSize) {
            this.rank = rank;
            this.worldSize = worldSize;
            return this;
        }

        /** The shard of {@code context}'s rank among its world. */
        public Builder setContext(DistributedContext context) {
            return setShard(context.rank(), context.worldSize());
        }

        /** Whether each epoch is a permutation (default: yes). */
        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The seed, the same on every rank (default 0); non-negative. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Cut the order to a multiple of the world size instead of padding it (default: pad). */
        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * The sampler.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public DistributedSampler build() {
            if (worldSize < 1) {
                throw new IllegalArgumentException("DistributedSampler: world size must be at least 1, got " + worldSize);
            }
            if (rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("DistributedSampler: rank " + rank + " is outside [0, " + worldSize + ")");
            }
            if (datasetSize < 1) {
                throw new IllegalArgumentException("DistributedSampler: dataset size must be positive, got " + datasetSize);
            }
            if (seed < 0) {
                throw new IllegalArgumentException("DistributedSampler: seed must be non-negative, got " + seed);
            }
            if (dropLast && datasetSize < worldSize) {
                throw new IllegalArgumentException("DistributedSampler: with drop_last, " + datasetSize
                        + " samples leave nothing for " + worldSize + " ranks");
            }
            return new DistributedSampler(this);
        }
    }
}
