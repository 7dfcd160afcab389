package dev.shrink4j.graph;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One layer dimension in a {@link ChannelGroup}: which group channel each of its indices belongs to. For a
 * convolution's output every index is its own channel; for a {@code Linear} reading a flattened
 * {@code [C, H, W]} map, the {@code H·W} consecutive input features of channel {@code c} all belong to
 * {@code c}; behind a zero-padded shortcut the indices are offset.
 */
public final class GroupMember {

    private final String layer;
    private final Module module;
    private final ChannelDim dim;
    private final int[] channelOf;

    GroupMember(String layer, Module module, ChannelDim dim, int[] channelOf) {
        this.layer = layer;
        this.module = module;
        this.dim = dim;
        this.channelOf = channelOf.clone();
    }

    /** The layer's dotted module name. */
    public String layer() {
        return layer;
    }

    /** The layer. */
    public Module module() {
        return module;
    }

    /** Output or input channels. */
    public ChannelDim dim() {
        return dim;
    }

    /** The number of indices in this dimension (e.g. a Linear's in_features). */
    public int size() {
        return channelOf.length;
    }

    /** The group channel that index {@code index} of this dimension belongs to. */
    public int channelOf(int index) {
        return channelOf[index];
    }

    /** The indices of this dimension that belong to group channel {@code channel}, ascending (empty when none). */
    public long[] indicesOf(int channel) {
        return IntStream.range(0, channelOf.length).filter(i -> channelOf[i] == channel).asLongStream().toArray();
    }

    /** The indices whose channel {@code keep} accepts, ascending. */
    public long[] indicesKept(boolean[] keep) {
        return IntStream.range(0, channelOf.length).filter(i -> keep[channelOf[i]]).asLongStream().toArray();
    }

    /**
     * The mapping in words: {@code channel = index}, {@code channel = index + 24},
     * {@code channel = index / 25} (25 indices per channel, as behind a flatten), or the list itself.
     */
    public String mapping() {
        int n = channelOf.length;
        int first = channelOf[0];
        for (int k = 1; k <= n; k++) {
            if (n % k != 0) {
                continue;
            }
            boolean fits = true;
            for (int i = 0; i < n && fits; i++) {
                fits = channelOf[i] == first + i / k;
            }
            if (fits) {
                String base = k == 1 ? "index" : "index / " + k;
                return "channel = " + base + (first == 0 ? "" : " + " + first);
            }
        }
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(n, 8); i++) {
            shown.add(Integer.toString(channelOf[i]));
        }
        return "channels " + shown.stream().collect(Collectors.joining(", ", "[", n > 8 ? ", …]" : "]"));
    }

    @Override
    public String toString() {
        return layer + " " + dim + " (" + channelOf.length + "): " + mapping();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupMember m && m.layer.equals(layer) && m.dim == dim && Arrays.equals(m.channelOf, channelOf);
    }

    @Override
    public int hashCode() {
        return layer.hashCode() * 31 + dim.hashCode();
    }
}
