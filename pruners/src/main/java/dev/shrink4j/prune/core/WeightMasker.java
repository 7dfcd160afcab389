package dev.shrink4j.prune.core;

import dev.shrink4j.compress.ModuleWrapper;

/**
 * Computes a layer's masks for a target sparsity: the math of a pruning algorithm, separate from
 * its lifecycle (a {@link dev.shrink4j.prune.Pruner} <em>has</em> a masker). Called inside a step scope; the returned
 * tensors are temporaries that the pruner copies into the wrapper's owned mask buffers.
 */
@FunctionalInterface
public interface WeightMasker {

    /**
     * @param sparsity the share of units to prune, in {@code [0, 1)}
     * @param wrapper  the layer, with its current masks ({@code weight_mask}, {@code bias_mask})
     * @return the new masks
     * @throws IllegalStateException when the masker lacks what it needs (e.g. no activations yet)
     */
    Masks calcMask(double sparsity, ModuleWrapper wrapper);
}
