package dev.shrink4j.graph.speedup;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.GroupMember;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Dependency-consistent channel masks: the masks a filter pruner with {@code dependency_aware} semantics
 * writes, for chosen channels of {@link ChannelGroup}s. {@link #of} masks every output member of each group
 * (convolution and linear filters with their biases, batch-norm γ and β), so the masked model computes exact
 * zeros in the removed channels and {@link ModelSpeedup} turns it into a smaller model that computes the same.
 * {@link #randomChannels} picks channels at random, for tests and benchmarks.
 */
public final class ChannelMasks {

    private ChannelMasks() {
    }

    /**
     * The masks that remove {@code channels} of each group: {@code <layer>.weight_mask} (and
     * {@code <layer>.bias_mask} where the layer has a bias) for every {@code Conv2d}, {@code Linear} and
     * {@code BatchNorm} output member of the groups named, in the parameters' dtype. The tensors are new and
     * owned by the caller's scope.
     *
     * @param channels per group, the group channels to remove
     * @throws IllegalArgumentException when a group is not one of {@code groups}, a channel is out of range or
     *                                  pinned
     */
    public static Map<String, Tensor> of(DependencyGroups groups, Map<ChannelGroup, int[]> channels) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<ChannelGroup, int[]> e : channels.entrySet()) {
                ChannelGroup g = e.getKey();
                if (!groups.groups().contains(g)) {
                    throw new IllegalArgumentException(g + " is not a group of " + groups.graph().modelName());
                }
                for (int ch : e.getValue()) {
                    if (ch < 0 || ch >= g.size()) {
                        throw new IllegalArgumentException("channel " + ch + " is outside " + g + " (size " + g.size() + ")");
                    }
                    if (g.isPinned(ch)) {
                        throw new IllegalArgumentException("channel " + ch + " of " + g + " is pinned: "
                                + g.pinReason(ch).orElseThrow());
                    }
                }
                for (GroupMember m : g.members()) {
                    Module module = m.module();
                    if (m.dim() != ChannelDim.OUT
                            || !(module instanceof Conv2d || module instanceof Linear || module instanceof BatchNorm)
                            || module.getParameter("weight") == null) {
                        continue;
                    }
                    long[] pruned = Arrays.stream(e.getValue()).flatMap(ch -> Arrays.stream(m.indicesOf(ch))
                            .mapToInt(i -> (int) i)).asLongStream().sorted().toArray();
                    for (String param : new String[] {"weight", "bias"}) {
                        Tensor p = module.getParameter(param);
                        if (p != null) {
                            out.put(m.layer() + "." + param + "_mask", rowsZeroed(p, pruned));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Tensor rowsZeroed(Tensor param, long[] rows) {
        Tensor mask = torch.ones(param.shape(), new TensorOptions(param.scalar_type()));
        if (rows.length > 0) {
            try (PointerScope scope = new PointerScope()) {
                mask.index_fill_(0, Tensor.create(rows, rows.length), new Scalar(0));
            }
        }
        return mask;
    }

    /**
     * A random choice of {@code fraction} of the channels of every prunable group, spread evenly: a group's
     * channels are split into regions covered by the same members (in an option-A ResNet, the channels the
     * last stage alone has, those it shares with the middle stage, those all stages share), and
     * {@code floor(fraction × region size)} channels of each region are drawn, so every layer keeps
     * {@code 1 − fraction} of its channels (rounded up) whichever channels are drawn. Pinned channels stay.
     *
     * @param fraction in {@code [0, 1)}
     * @param seed     for {@link Random}: the same seed gives the same channels
     */
    public static Map<ChannelGroup, int[]> randomChannels(DependencyGroups groups, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in [0, 1), got " + fraction);
        }
        Random random = new Random(seed);
        Map<ChannelGroup, int[]> out = new LinkedHashMap<>();
        for (ChannelGroup g : groups.prunableGroups()) {
            Map<String, List<Integer>> regions = new LinkedHashMap<>();
            for (int ch : g.prunableChannels()) {
                StringBuilder coverage = new StringBuilder();
                for (GroupMember m : g.members()) {
                    coverage.append(m.indicesOf(ch).length > 0 ? '1' : '0');
                }
                regions.computeIfAbsent(coverage.toString(), k -> new ArrayList<>()).add(ch);
            }
            List<Integer> chosen = new ArrayList<>();
            regions.forEach((coverage, channels) -> {
                if (coverage.indexOf('1') >= 0) {
                    List<Integer> shuffled = new ArrayList<>(channels);
                    Collections.shuffle(shuffled, random);
                    chosen.addAll(shuffled.subList(0, (int) Math.floor(fraction * channels.size())));
                }
            });
            out.put(g, chosen.stream().mapToInt(Integer::intValue).sorted().toArray());
        }
        return out;
    }
}
