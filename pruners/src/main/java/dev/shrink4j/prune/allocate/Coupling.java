package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.importance.Granularity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Layers that share their output units (a channel-dependency group: convolutions whose outputs are
 * added): which layer is in which group, and the scores of a group's shared units.
 */
final class Coupling {

    private final Map<String, List<String>> groupOf = new LinkedHashMap<>();

    /**
     * @throws IllegalArgumentException naming a group of fewer than 2 layers or a layer in two groups
     */
    Coupling(Collection<? extends List<String>> groups) {
        for (List<String> g : groups) {
            List<String> group = List.copyOf(g);
            if (group.size() < 2) {
                throw new IllegalArgumentException("a dependency group needs at least 2 layers, got " + group);
            }
            for (String layer : group) {
                List<String> before = groupOf.putIfAbsent(layer, group);
                if (before != null) {
                    throw new IllegalArgumentException(layer + " is in two dependency groups: " + before + " and " + group);
                }
            }
        }
    }

    /** The group {@code layer} is in, or null. */
    List<String> groupOf(String layer) {
        return groupOf.get(layer);
    }

    /**
     * The scores of {@code group}'s members among {@code byName}, in group order.
     *
     * @throws IllegalArgumentException when a member is missing
     */
    static List<LayerScores> members(List<String> group, Map<String, LayerScores> byName) {
        List<LayerScores> out = new ArrayList<>();
        for (String name : group) {
            LayerScores l = byName.get(name);
            if (l == null) {
                throw new IllegalArgumentException("dependency group " + group + " is ranked together, but " + name
                        + " was not given to the allocator");
            }
            out.add(l);
        }
        return out;
    }

    /**
     * One float32 score per shared unit: the members' scores summed (or their mean, so that a shared unit
     * competes with single layers' units on their scale), with the units every member has already pruned
     * at {@code −Float.MAX_VALUE}, the already-pruned rule of {@link LayerScores#rankable()} for the group.
     *
     * @throws IllegalArgumentException when a member does not score output units, or the members' unit
     *                                  counts differ
     */
    static Tensor sharedScores(List<LayerScores> members, boolean mean) {
        LayerScores first = members.get(0);
        Tensor sum = null;
        Tensor prunedByAll = null;
        for (LayerScores l : members) {
            if (l.granularity() != Granularity.OUTPUT_UNIT || l.units() != first.units()) {
                throw new IllegalArgumentException("dependency group " + members.stream().map(LayerScores::layer).toList()
                        + " needs output-unit scores of one size; " + first.layer() + " has " + first.units() + " "
                        + first.granularity() + " scores, " + l.layer() + " has " + l.units() + " " + l.granularity() + " scores");
            }
            Tensor scores = l.scores().to(torch.ScalarType.Float);
            sum = sum == null ? scores : sum.add(scores);
            prunedByAll = prunedByAll == null ? l.alreadyPruned() : prunedByAll.logical_and(l.alreadyPruned());
        }
        Tensor shared = mean ? sum.div(new Scalar((double) members.size())) : sum;
        return shared.masked_fill(prunedByAll, new Scalar(-Float.MAX_VALUE));
    }
}
