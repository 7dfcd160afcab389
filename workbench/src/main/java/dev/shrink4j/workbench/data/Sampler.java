package dev.shrink4j.workbench.data;

/**
 * Chooses which samples of a dataset each epoch of a {@link DataLoader} visits, and in what order
 * (PyTorch's {@code Sampler}). A data-parallel run gives every process a sampler that yields only its
 * own shard. Set with {@link DataLoader.Builder#optSampler}; the loader asks for epoch {@code e}'s
 * order when its {@code e}-th {@link DataLoader#iterator()} starts (counted from 0).
 */
public interface Sampler {

    /** The number of indices every epoch yields. */
    int size();

    /**
     * The dataset indices epoch {@code epoch} visits, in order: {@link #size()} of them, each in
     * {@code [0, dataset size)}; an index may repeat (padding). The same epoch gives the same order.
     */
    int[] indices(int epoch);
}
