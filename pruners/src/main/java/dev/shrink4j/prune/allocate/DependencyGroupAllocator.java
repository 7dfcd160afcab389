package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Per layer, except that the layers of a channel-dependency group (convolutions whose outputs are added,
 * so they must lose the same channels; NNI's {@code Conv2dDependencyAwareAllocator}) are pruned on
 * common channels first. For a group of {@code n}-channel layers: their scores are summed per channel
 * (channels every member has already pruned first) and the {@code floor(n·s_min)} channels with the
 * lowest sums are pruned in every member ({@code s_min} the smallest sparsity in the group; none when
 * {@code n < 2}); each member then prunes up to its own {@code floor(n·s)} by its own scores
 * ({@link PerLayerAllocator}'s rule, the common channels ranked first). With equal sparsities all
 * members get identical masks. Layers outside every group are allocated by {@link PerLayerAllocator}.
 *
 * <p>A group some of whose members cover its channels at an offset (behind a zero-padded "option A" shortcut) is
 * ranked once over its channels: each channel's score sums over the members that cover it, the
 * {@code floor(n·s_min)} lowest of its {@code n} channels go, and each member loses exactly the pruned channels it
 * covers (so members lose different shares, and the group's masks are one consistent choice).
 */
public final class DependencyGroupAllocator implements SparsityAllocator {

    private final Coupling coupling;

    /**
     * @param groups the layer names of each group (two or more each; a layer in at most one group)
     * @throws IllegalArgumentException naming a group of fewer than 2 layers or a layer in two groups
     */
    public DependencyGroupAllocator(Collection<? extends List<String>> groups) {
        this(groups, Map.of());
    }

    /**
     * Groups some of whose members cover the group's channels at an offset.
     *
     * @param channelsOf for members at an offset: the group channel of each of the layer's output units, the
     *                   group's channels numbered {@code 0 … width−1}; other members are index for index
     * @throws IllegalArgumentException naming a group of fewer than 2 layers, a layer in two groups or a map of
     *                                  a layer outside every group
     */
    public DependencyGroupAllocator(Collection<? extends List<String>> groups, Map<String, int[]> channelsOf) {
        this.coupling = new Coupling(groups, channelsOf);
    }

    /**
     * The masks; a group's members must all be given.
     *
     * @throws IllegalArgumentException when a layer of a group is given without the rest of its group
     */
    @Override
    public Map<String, Masks> allocate(List<LayerScores> layers) {
        Map<String, LayerScores> byName = new LinkedHashMap<>();
        layers.forEach(l -> byName.put(l.layer(), l));
        Map<String, Masks> groupMasks = new LinkedHashMap<>();
        Set<List<String>> done = new HashSet<>();
        Allocations out = new Allocations();
        for (LayerScores l : layers) {
            List<String> group = coupling.groupOf(l.layer());
            if (group == null) {
                out.put(l.layer(), l.masks(PerLayerAllocator.keep(l, null)));
                continue;
            }
            if (done.add(group)) {
                groupMasks.putAll(allocateGroup(Coupling.members(group, byName)));
            }
            out.put(l.layer(), groupMasks.get(l.layer()));
        }
        return out.masks();
    }

    private Map<String, Masks> allocateGroup(List<LayerScores> members) {
        double minSparsity = members.stream().mapToDouble(LayerScores::sparsity).min().orElseThrow();
        Tensor sum = coupling.sharedScores(members, false);
        long n = sum.numel();
        Tensor common = Ranking.keepMaskPruning(sum, n < 2 ? 0 : Ranking.prunedCount(n, minSparsity)).eq(new Scalar(0f));
        Map<String, Masks> out = new LinkedHashMap<>();
        boolean atOffsets = coupling.atOffsets(members.stream().map(LayerScores::layer).toList());
        for (LayerScores m : members) {
            Tensor memberCommon = coupling.memberKeep(m.layer(), common);
            // at offsets a member's own extra pruning would break the group's one choice of channels
            out.put(m.layer(), m.masks(atOffsets ? memberCommon.logical_not() : PerLayerAllocator.keep(m, memberCommon)));
        }
        return out;
    }
}
