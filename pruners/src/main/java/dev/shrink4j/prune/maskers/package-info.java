/**
 * {@link dev.shrink4j.prune.core.WeightMasker}s: the mask math of the pruning algorithms, separate from
 * their lifecycle; a pruner in {@code dev.shrink4j.prune} <em>has</em> one.
 * {@link dev.shrink4j.prune.maskers.LevelMasker} (weight elements by magnitude), the filter maskers
 * {@link dev.shrink4j.prune.maskers.L1FilterMasker}, {@link dev.shrink4j.prune.maskers.L2FilterMasker} and
 * {@link dev.shrink4j.prune.maskers.FpgmMasker} (output filters of a convolution by a per-filter importance),
 * {@link dev.shrink4j.prune.maskers.SlimMasker} (batch-norm channels by |γ| under one global threshold), the
 * iterative maskers of AGP and the lottery ticket, and the masker over collected activation or Taylor scores.
 *
 * <p>Each returns temporaries that the pruner copies into the wrapper's mask buffers, and counts with
 * {@link dev.shrink4j.prune.core.Ranking}: of {@code n} units at sparsity {@code s} exactly {@code floor(n·s)} are
 * pruned, the lowest scores, lower flat index first on ties. Scores are computed on the already masked weight
 * ({@code weight * weight_mask}; FPGM on the stored weight, as NNI), so a unit pruned once scores 0 (a filter
 * masker also ranks already-pruned filters first) and stays pruned when masks are recomputed at the same or a
 * higher sparsity.
 */
package dev.shrink4j.prune.maskers;
