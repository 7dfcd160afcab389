package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.importance.Granularity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Layers that share their output units (a channel-dependency group: convolutions whose outputs are
 * added): which layer is in which group, and the scores of a group's shared units. A member may cover the
 * group's channels at an offset (behind a zero-padded "option A" shortcut, unit {@code i} of a stage is
 * group channel {@code channelsOf[i]}); a group channel's score then sums (or averages) over the members that
 * cover it, and a member's keep mask is the group's keep mask at its channels.
 */
final class Coupling {

    private final Map<String, List<String>> groupOf = new LinkedHashMap<>();
    private final Map<String, Tensor> channelsOf = new LinkedHashMap<>();

    /**
     * @throws IllegalArgumentException naming a group of fewer than 2 layers or a layer in two groups
     */
    Coupling(Collection<? extends List<String>> groups) {
        this(groups, Map.of());
    }

    /**
     * @param channelsOf for members at an offset: the group channel of each of the layer's units (the group's
     *                   channels numbered {@code 0 … width−1}, each covered by some member); members absent
     *                   here cover the group's channels index for index
     * @throws IllegalArgumentException naming a group of fewer than 2 layers, a layer in two groups or a map of
     *                                  a layer outside every group
     */
    Coupling(Collection<? extends List<String>> groups, Map<String, int[]> channelsOf) {
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
        channelsOf.forEach((layer, channels) -> {
            if (!groupOf.containsKey(layer)) {
                throw new IllegalArgumentException(layer + " has a channel map but is in no dependency group");
            }
            this.channelsOf.put(layer, Tensor.create(Arrays.stream(channels).asLongStream().toArray(), channels.length));
        });
    }

    /** {@code groupKeep} (over the group's channels) at the channels of {@code layer}'s units. */
    Tensor memberKeep(String layer, Tensor groupKeep) {
        Tensor channels = channelsOf.get(layer);
        return channels == null ? groupKeep : groupKeep.index_select(0, channels);
    }

    /** Whether some member of {@code group} covers the group's channels at an offset. */
    boolean atOffsets(List<String> group) {
        return group.stream().anyMatch(channelsOf::containsKey);
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
     * With members at offsets a group channel sums (or averages) over the members that cover it.
     *
     * @throws IllegalArgumentException when a member does not score output units, the members' unit counts
     *                                  differ (index for index), a member's channel map does not fit its units, or a
     *                                  group channel is covered by no member
     */
    Tensor sharedScores(List<LayerScores> members, boolean mean) {
        LayerScores first = members.get(0);
        boolean mapped = atOffsets(members.stream().map(LayerScores::layer).toList());
        long width = 0;
        for (LayerScores l : members) {
            Tensor channels = channelsOf.get(l.layer());
            boolean fits = channels == null || channels.numel() == l.units();
            if (l.granularity() != Granularity.OUTPUT_UNIT || !fits || (!mapped && l.units() != first.units())) {
                throw new IllegalArgumentException("dependency group " + members.stream().map(LayerScores::layer).toList()
                        + " needs output-unit scores of one size; " + first.layer() + " has " + first.units() + " "
                        + first.granularity() + " scores, " + l.layer() + " has " + l.units() + " " + l.granularity() + " scores");
            }
            width = Math.max(width, channels == null ? l.units() : channels.max().item_long() + 1);
        }
        Tensor sum = torch.zeros(width);
        Tensor covered = torch.zeros(width);
        Tensor pruned = torch.zeros(width);
        for (LayerScores l : members) {
            Tensor channels = channelsOf.containsKey(l.layer()) ? channelsOf.get(l.layer()) : torch.arange(new Scalar(l.units()));
            sum.index_add_(0, channels, l.scores().to(torch.ScalarType.Float));
            covered.index_add_(0, channels, torch.ones(l.units()));
            pruned.index_add_(0, channels, l.alreadyPruned().to(torch.ScalarType.Float));
        }
        if (covered.eq(new Scalar(0)).any().item_bool()) {
            throw new IllegalArgumentException("dependency group " + members.stream().map(LayerScores::layer).toList()
                    + " has channels that no member covers");
        }
        Tensor shared = mean ? sum.div(covered) : sum;
        return shared.masked_fill(pruned.eq(covered), new Scalar(-Float.MAX_VALUE));
    }
}
