package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One ranking across layers (NNI's {@code global_sort}, network slimming's global threshold; NNI v2's
 * {@code GlobalSparsityAllocator}): the units of all given layers are concatenated in layer order and of
 * the {@code N} units in all exactly {@code floor(N·s)} are pruned, the lowest
 * {@linkplain LayerScores#rankable() rankable} scores, ties in (layer order, unit index) order, so layers
 * lose different shares. All layers must have the same sparsity {@code s}. No layer is skipped for being
 * small.
 *
 * <p><b>Dependency groups.</b> Layers given as a group (convolutions whose outputs are added) share their
 * output channels: each shared channel is <em>one</em> unit of the ranking, placed where the group's first
 * member stands, scored by the mean of the members' scores (so it competes with a single filter on that
 * filter's scale; channels every member has already pruned first), and pruned in every member or in
 * none. {@code N} counts a shared channel once. A member at an offset (behind a zero-padded "option A" shortcut)
 * is given the ranking of the group channels it covers, each scored by the mean over the members covering it.
 */
public final class GlobalAllocator implements SparsityAllocator {

    private final Coupling coupling;

    /** A global ranking over single layers. */
    public GlobalAllocator() {
        this(List.of());
    }

    /**
     * A global ranking in which each of {@code groups} ranks its shared channels as one unit each.
     *
     * @throws IllegalArgumentException naming a group of fewer than 2 layers or a layer in two groups
     */
    public GlobalAllocator(Collection<? extends List<String>> groups) {
        this(groups, Map.of());
    }

    /**
     * A global ranking in which each of {@code groups} ranks its channels as one unit each, some members
     * covering the group's channels at an offset.
     *
     * @param channelsOf for members at an offset: the group channel of each of the layer's output units, the
     *                   group's channels numbered {@code 0 … width−1}; other members are index for index
     * @throws IllegalArgumentException naming a group of fewer than 2 layers, a layer in two groups or a map of
     *                                  a layer outside every group
     */
    public GlobalAllocator(Collection<? extends List<String>> groups, Map<String, int[]> channelsOf) {
        this.coupling = new Coupling(groups, channelsOf);
    }

    /**
     * The masks of one ranking over all {@code layers}.
     *
     * @throws IllegalArgumentException when there is no layer, when the sparsities differ, or when a layer
     *                                  of a group is given without the rest of its group
     */
    @Override
    public Map<String, Masks> allocate(List<LayerScores> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a global ranking needs at least one layer");
        }
        double sparsity = layers.get(0).sparsity();
        Map<String, LayerScores> byName = new LinkedHashMap<>();
        for (LayerScores l : layers) {
            if (l.sparsity() != sparsity) {
                throw new IllegalArgumentException("a global ranking needs one sparsity for all layers: " + layers.get(0).layer()
                        + " has " + sparsity + ", " + l.layer() + " has " + l.sparsity());
            }
            byName.put(l.layer(), l);
        }
        // the ranked units: a single layer's, or a group's shared ones, in the order of their first layer
        List<List<LayerScores>> units = new ArrayList<>();
        List<Tensor> scores = new ArrayList<>();
        Set<List<String>> done = new HashSet<>();
        for (LayerScores l : layers) {
            List<String> group = coupling.groupOf(l.layer());
            if (group == null) {
                units.add(List.of(l));
                scores.add(l.rankable().flatten());
            } else if (done.add(group)) {
                List<LayerScores> members = Coupling.members(group, byName);
                units.add(members);
                scores.add(coupling.sharedScores(members, true));
            }
        }
        Tensor keep = Ranking.keepMask(torch.cat(new TensorVector(scores.toArray(new Tensor[0]))), sparsity);
        Map<String, Masks> byLayer = new LinkedHashMap<>();
        long offset = 0;
        for (int i = 0; i < units.size(); i++) {
            long n = scores.get(i).numel();
            Tensor unitKeep = keep.narrow(0, offset, n);
            offset += n;
            units.get(i).forEach(l -> byLayer.put(l.layer(), l.masks(coupling.memberKeep(l.layer(), unitKeep))));
        }
        Allocations out = new Allocations();
        layers.forEach(l -> out.put(l.layer(), byLayer.get(l.layer())));
        return out.masks();
    }
}
