/**
 * The masking contract that pruners, importances and allocators share, below all of them:
 * {@link dev.shrink4j.prune.core.WeightMasker} (a layer's masks for a target sparsity; implement it to add
 * a pruning rule), {@link dev.shrink4j.prune.core.Masks} (what a masker returns, and the names of the mask
 * buffers) and {@link dev.shrink4j.prune.core.Ranking} (the counting rule: of {@code n} units at sparsity
 * {@code s} exactly {@code floor(n·s)} are pruned, the lowest scores, lower flat index first on ties).
 * It names no pruner, importance or allocator, so {@code dev.shrink4j.prune} (the pruners' lifecycle),
 * {@code dev.shrink4j.prune.importance} and {@code dev.shrink4j.prune.allocate} all depend on it without
 * depending back.
 */
package dev.shrink4j.prune.core;
