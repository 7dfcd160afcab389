/**
 * The mask rules of the weight-based pruning algorithms, each a {@link dev.shrink4j.prune.WeightMasker}
 * that a pruner in {@code dev.shrink4j.prune} <em>has</em>: {@link dev.shrink4j.prune.maskers.LevelMasker}
 * (weight elements by magnitude), the filter maskers {@link dev.shrink4j.prune.maskers.L1FilterMasker},
 * {@link dev.shrink4j.prune.maskers.L2FilterMasker} and {@link dev.shrink4j.prune.maskers.FpgmMasker}
 * (output filters of a convolution by a per-filter importance), and
 * {@link dev.shrink4j.prune.maskers.SlimMasker} (batch-norm channels by |γ| under one global threshold).
 *
 * <p>Every masker counts with {@link dev.shrink4j.prune.Ranking}: of {@code n} units at sparsity
 * {@code s} exactly {@code floor(n·s)} are pruned, the lowest scores, lower flat index first on ties.
 * Scores are computed on the already masked weight (FPGM: on the stored weight, as NNI) ({@code weight * weight_mask}), so a unit
 * pruned once scores 0 (a filter masker also ranks already-pruned filters first) and stays pruned when masks are recomputed at the same or a higher sparsity.
 */
package dev.shrink4j.prune.maskers;
