package dev.shrink4j.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Channels that must be pruned together (Torch-Pruning's {@code Group}): removing group channel {@code c}
 * removes, from every {@linkplain #members() member}, the indices that belong to {@code c}. A group spans
 * one or more tensors of the {@link ModelGraph} whose channels are tied: a convolution's output, its batch
 * norm, every consumer's input, the other convolutions joined to it by residual additions, both sides of a
 * depthwise convolution, a slice of a concatenation, the features a flatten makes of it.
 *
 * <p>Some channels may be pinned: they reach the model's input or output, or a layer that is not resized
 * (a grouped convolution, a module type without a {@link ChannelRule}); {@link #pinReason(int)} says why.
 */
public final class ChannelGroup {

    private final int id;
    private final List<GroupMember> members;
    private final String[] pinned;

    ChannelGroup(int id, List<GroupMember> members, String[] pinned) {
        this.id = id;
        this.members = List.copyOf(members);
        this.pinned = pinned.clone();
    }

    /** The group's position in {@link DependencyGroups#groups()}. */
    public int id() {
        return id;
    }

    /** The number of group channels (distinct units that are removed together). */
    public int size() {
        return pinned.length;
    }

    /** The layer dimensions that lose indices when a channel goes, in graph order. */
    public List<GroupMember> members() {
        return members;
    }

    /** The member for {@code layer}'s {@code dim}, if it is in this group. */
    public Optional<GroupMember> member(String layer, ChannelDim dim) {
        return members.stream().filter(m -> m.layer().equals(layer) && m.dim() == dim).findFirst();
    }

    /** Whether channel {@code channel} must stay. */
    public boolean isPinned(int channel) {
        return pinned[channel] != null;
    }

    /** Why channel {@code channel} must stay, when it must. */
    public Optional<String> pinReason(int channel) {
        return Optional.ofNullable(pinned[channel]);
    }

    /** The channels that may be removed, ascending. */
    public int[] prunableChannels() {
        return IntStream.range(0, pinned.length).filter(c -> pinned[c] == null).toArray();
    }

    /** Whether any channel may be removed and some layer would shrink. */
    public boolean isPrunable() {
        return !members.isEmpty() && prunableChannels().length > 0;
    }

    /**
     * A readable plan (Torch-Pruning's {@code group.details()}): a header with the size and what is pinned,
     * then one line per member with its index mapping, e.g.
     * <pre>
     * group 2: 16 channels, prunable
     *   conv2 OUT (16): channel = index
     *   fc1 IN (400): channel = index / 25
     * </pre>
     */
    public String details() {
        StringBuilder sb = new StringBuilder("group ").append(id).append(": ").append(size())
                .append(size() == 1 ? " channel, " : " channels, ").append(pinSummary()).append('\n');
        for (GroupMember m : members) {
            sb.append("  ").append(m).append('\n');
        }
        return sb.toString();
    }

    private String pinSummary() {
        int free = prunableChannels().length;
        if (members.isEmpty()) {
            return "no layer to shrink";
        }
        if (free == size()) {
            return "prunable";
        }
        List<String> reasons = new ArrayList<>();
        for (String r : pinned) {
            if (r != null && !reasons.contains(r)) {
                reasons.add(r);
            }
        }
        String why = reasons.stream().collect(Collectors.joining("; "));
        return free == 0 ? "pinned: " + why : (size() - free) + " pinned: " + why;
    }

    @Override
    public String toString() {
        return "group " + id + " (" + size() + " channels: "
                + members.stream().map(m -> m.layer() + " " + m.dim()).collect(Collectors.joining(", ")) + ")";
    }
}
