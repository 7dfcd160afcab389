package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.core.Masks;
import java.util.List;
import java.util.Map;

/**
 * Turns the scores of a set of layers into their masks: how many units each layer loses and which
 * (NNI v2's {@code SparsityAllocator}). Every allocator counts with {@link dev.shrink4j.prune.core.Ranking}
 * ({@code floor(n·s)} lowest scores, lower index first on ties) over {@link LayerScores#rankable()}, so
 * units already pruned go first; they differ in what is ranked together: each layer alone
 * ({@link PerLayerAllocator}), the layers of a channel-dependency group on common channels
 * ({@link DependencyGroupAllocator}), or all layers at once ({@link GlobalAllocator}).
 *
 * <p>Called inside the caller's pointer scope; the masks are temporaries the pruner copies into its
 * buffers.
 */
@FunctionalInterface
public interface SparsityAllocator {

    /**
     * The masks of {@code layers}.
     *
     * @return one entry per layer, by layer name, in the order of {@code layers}
     * @throws IllegalArgumentException when the layers do not fit the allocator (a name given twice,
     *                                  sparsities a global ranking cannot share, a group member missing)
     */
    Map<String, Masks> allocate(List<LayerScores> layers);
}
