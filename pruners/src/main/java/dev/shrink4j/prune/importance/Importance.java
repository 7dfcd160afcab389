package dev.shrink4j.prune.importance;

import org.bytedeco.pytorch.Tensor;

/**
 * How important each prunable unit of a layer is: a pure function of the layer's weight, its current
 * mask and, for data-driven criteria, statistics collected beforehand (PyTorch's
 * {@code BasePruningMethod.compute_mask} without the counting, Torch-Pruning's {@code Importance}). Lower
 * scores are pruned first; how many, and which layers are ranked together, is an allocator's business
 * ({@code dev.shrink4j.prune.allocate}), so one criterion serves per-layer, global and dependency-group
 * pruning alike.
 *
 * <p>Scores may be of any floating type; allocators rank them as float32. They are temporaries of the
 * caller's pointer scope.
 */
public interface Importance {

    /** Whether {@link #scores} has one score per weight element or one per output unit. */
    Granularity granularity();

    /**
     * The scores of one layer.
     *
     * @return shaped like {@code input.weight()} for {@link Granularity#ELEMENT}, {@code [out]} for
     *         {@link Granularity#OUTPUT_UNIT}
     * @throws IllegalStateException when the statistics the criterion needs are missing
     */
    Tensor scores(ImportanceInput input);
}
