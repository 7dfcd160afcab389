package dev.shrink4j.prune.importance;

/** What an {@link Importance} scores, and so what an allocator prunes: single weights or whole output units. */
public enum Granularity {
    /** One score per weight element: the scores have the weight's shape, and single weights are pruned. */
    ELEMENT,
    /**
     * One score per output unit (a convolution's filter, a Linear's row, a batch-norm channel): the scores
     * are {@code [out]}, and a pruned unit loses all its weights and its bias.
     */
    OUTPUT_UNIT
}
