/**
 * The masking contract that pruners and maskers share, below both of them:
 * {@link dev.shrink4j.prune.core.WeightMasker} (a layer's masks for a target sparsity; implement it to add
 * a pruning rule), {@link dev.shrink4j.prune.core.Masks} (what a masker returns, and the names of the mask
 * buffers) and {@link dev.shrink4j.prune.core.Ranking} (the counting rule: of {@code n} units at sparsity
 * {@code s} exactly {@code floor(n·s)} are pruned, the lowest scores, lower flat index first on ties).
 * It names no pruner and no masker, so {@code dev.shrink4j.prune} (the pruners' lifecycle) and
 * {@code dev.shrink4j.prune.maskers} (the maskers) both depend on it without depending on each other.
 */
package dev.shrink4j.prune.core;
