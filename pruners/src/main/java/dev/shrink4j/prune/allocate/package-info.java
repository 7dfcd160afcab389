/**
 * Allocators: how an {@link dev.shrink4j.prune.importance.Importance}'s scores become masks.
 * {@link dev.shrink4j.prune.allocate.LayerScores} holds one layer's scores and the rule every allocator shares
 * (units already pruned in the current mask rank first), {@link dev.shrink4j.prune.allocate.SparsityAllocator}
 * decides what is ranked together: each layer alone ({@link dev.shrink4j.prune.allocate.PerLayerAllocator}),
 * channel-dependency groups on common channels ({@link dev.shrink4j.prune.allocate.DependencyGroupAllocator}),
 * or all layers under one ranking ({@link dev.shrink4j.prune.allocate.GlobalAllocator}). All count with
 * {@link dev.shrink4j.prune.core.Ranking}: of {@code n} units at sparsity {@code s} exactly {@code floor(n·s)} are
 * pruned, lower index first on ties.
 *
 * <p>{@link dev.shrink4j.prune.allocate.ImportanceMasker} composes an importance and an allocator into the
 * {@link dev.shrink4j.prune.core.WeightMasker} a {@code Pruner} has.
 */
package dev.shrink4j.prune.allocate;
