/**
 * {@link dev.shrink4j.prune.WeightMasker}s: the mask math of the pruning algorithms, separate from
 * their lifecycle. Each returns temporaries that the pruner copies into the wrapper's mask buffers,
 * and counts with {@link dev.shrink4j.prune.Ranking} ({@code floor(n·s)} lowest scores, lower index
 * first on ties).
 */
package dev.shrink4j.prune.maskers;
