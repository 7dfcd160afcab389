package dev.shrink4j.graph;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.ModuleTypes;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Pool2d;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.ReLU6;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;

/**
 * The channel dependency groups of a traced model, with Torch-Pruning's semantics: pruning output channel
 * {@code c} of a convolution forces the same channel out of its batch norm, out of the input of every
 * consumer, out of every layer joined to it by a residual {@code Add} (one group), out of both sides of a
 * depthwise convolution, at the right offset through a {@code Concat}, and as features
 * {@code c·H·W … (c+1)·H·W−1} through a {@code Flatten} into a {@code Linear}.
 * <pre>
 * DependencyGroups groups = DependencyGroups.of(ModelGraph.trace(model, torch.zeros(1, 3, 32, 32)));
 * for (ChannelGroup g : groups.prunableGroups()) System.out.print(g.details());
 * </pre>
 *
 * <p>How each leaf moves channel {@code c} of its input(s) to its output:
 * <ul>
 *   <li>{@code Conv2d} ({@code groups = 1}) and {@code Linear} (2-D input): nowhere; their output channels
 *       ({@link ChannelDim#OUT}) and input channels ({@link ChannelDim#IN}) are members of different groups;</li>
 *   <li>depthwise {@code Conv2d} ({@code groups = in = out}), {@code BatchNorm}: to {@code c}, and the layer
 *       is an {@code OUT} member;</li>
 *   <li>activations, {@code Dropout}, {@code Identity}, pooling, {@code Add}, and layers that declare it
 *       ({@link ChannelwiseLayer#preservesChannels()}): to {@code c} (all operands);</li>
 *   <li>{@code Concat}: operand {@code k}'s channel {@code c} to {@code c} plus the channels of the operands
 *       before it;</li>
 *   <li>{@code Flatten} of {@code [N, C, H, W]}: to features {@code c·H·W … (c+1)·H·W−1};</li>
 *   <li>{@code ChannelPad} (the option-A shortcut): to {@code before + c}. The padded zero channels are
 *       channels of their own, joined through the residual {@code Add} to the block's other branch. So the
 *       zero-padded identity couples channel {@code c} of a stage with channel {@code c + before} of the next:
 *       in an option-A ResNet the stem, every residual branch of every stage and the classifier's input form
 *       one group, as wide as the last stage, whose channels cover the earlier stages at an offset. The pad
 *       is an {@code OUT} member, so that removing channels recomputes its {@code before}/{@code after}.</li>
 * </ul>
 * Channels that reach the model's input or output are pinned, as are those of a grouped convolution that is
 * not depthwise, a {@code Linear} on a tensor of rank other than 2, and a module type without a rule
 * ({@link ChannelRule}s for parameter-free types of your own go in {@link #of(ModelGraph, Map)}). A module
 * called several times ties each call's channels to the first call's.
 */
public final class DependencyGroups {

    private final ModelGraph graph;
    private final List<ChannelGroup> groups;
    private final Map<String, ChannelGroup> byMember = new LinkedHashMap<>();

    DependencyGroups(ModelGraph graph, List<ChannelGroup> groups) {
        this.graph = graph;
        this.groups = List.copyOf(groups);
        for (ChannelGroup g : this.groups) {
            for (GroupMember m : g.members()) {
                byMember.put(key(m.layer(), m.dim()), g);
            }
        }
    }

    /** The groups of {@code graph} with the built-in rules. */
    public static DependencyGroups of(ModelGraph graph) {
        return of(graph, Map.of());
    }

    /**
     * The groups of {@code graph}, with {@code rules} for leaf module types the built-in rules do not cover
     * (a rule for a type also covers its subclasses; it takes precedence over a built-in one).
     */
    public static DependencyGroups of(ModelGraph graph, Map<Class<? extends Module>, ChannelRule> rules) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(rules, "rules");
        return new GroupAnalysis(graph, rules).run();
    }

    /** Traces {@code model} on {@code exampleInput} ({@link ModelGraph#trace}) and groups it. */
    public static DependencyGroups trace(Module model, Tensor exampleInput) {
        return of(ModelGraph.trace(model, exampleInput));
    }

    /** The graph the groups were computed from. */
    public ModelGraph graph() {
        return graph;
    }

    /** Every group, in the order its first tensor appears in the graph (the model input's group first). */
    public List<ChannelGroup> groups() {
        return groups;
    }

    /** The groups where some channel may be removed. */
    public List<ChannelGroup> prunableGroups() {
        return groups.stream().filter(ChannelGroup::isPrunable).toList();
    }

    /**
     * The group holding {@code layer}'s {@code dim}.
     *
     * @throws IllegalArgumentException when the layer has no such member (not a resizable layer, or not
     *                                  called by forward)
     */
    public ChannelGroup groupOf(String layer, ChannelDim dim) {
        ChannelGroup g = byMember.get(key(layer, dim));
        if (g == null) {
            throw new IllegalArgumentException("\"" + layer + "\" has no " + dim + " channels in any group of "
                    + graph.modelName() + " (groups hold the Conv2d, Linear, BatchNorm and ChannelPad layers that forward calls)");
        }
        return g;
    }

    /** The member for {@code layer}'s {@code dim} (see {@link #groupOf}). */
    public GroupMember member(String layer, ChannelDim dim) {
        return groupOf(layer, dim).member(layer, dim).orElseThrow();
    }

    /** Whether {@code layer}'s {@code dim} is in a group. */
    public boolean hasMember(String layer, ChannelDim dim) {
        return byMember.containsKey(key(layer, dim));
    }

    /** Every group's {@link ChannelGroup#details()}. */
    @Override
    public String toString() {
        return groups.stream().map(ChannelGroup::details).collect(Collectors.joining());
    }

    private static String key(String layer, ChannelDim dim) {
        return layer + " " + dim;
    }

    /** Union-find over channel slots: the analysis behind {@link DependencyGroups#of(ModelGraph, Map)}. */
    private static final class GroupAnalysis {

        private final ModelGraph graph;
        private final Map<Class<? extends Module>, ChannelRule> rules;
        private final int[] base;
        private final int[] width;
        private final int[] parent;
        private final String[] pinned;
        private final Map<Module, GraphNode> firstCall = new LinkedHashMap<>();
        private final List<Pending> pending = new ArrayList<>();

        /** A member found on the way: a layer dimension over the channels of the tensor {@code space} produced. */
        private record Pending(GraphNode node, ChannelDim dim, GraphNode space) {
        }

        GroupAnalysis(ModelGraph graph, Map<Class<? extends Module>, ChannelRule> rules) {
            this.graph = graph;
            this.rules = rules;
            List<GraphNode> nodes = graph.nodes();
            base = new int[nodes.size()];
            width = new int[nodes.size()];
            int total = 0;
            for (GraphNode n : nodes) {
                List<Long> shape = n.outputShape();
                base[n.index()] = total;
                width[n.index()] = n.kind() == GraphNode.Kind.OUTPUT || shape.size() < 2 ? 0 : Math.toIntExact(shape.get(1));
                total += width[n.index()];
            }
            parent = new int[total];
            for (int i = 0; i < total; i++) {
                parent[i] = i;
            }
            pinned = new String[total];
        }

        DependencyGroups run() {
            pin(graph.input(), "the model input");
            for (GraphNode n : graph.moduleNodes()) {
                List<GraphNode> ins = graph.inputsOf(n).stream().map(GraphEdge::source).toList();
                GraphNode first = firstCall.putIfAbsent(n.module(), n);
                applyRule(n, ins, first == null);
                if (first != null) {
                    tieToFirstCall(n, ins, first);
                }
            }
            for (GraphEdge e : graph.inputsOf(graph.output())) {
                pin(e.source(), "the model output");
            }
            return new DependencyGroups(graph, buildGroups());
        }

        private void applyRule(GraphNode n, List<GraphNode> ins, boolean firstCall) {
            Module m = n.module();
            ChannelRule custom = ModuleTypes.nearest(rules, m.getClass());
            if (custom != null) {
                if (custom == ChannelRule.PINNED) {
                    pinAll(n, ins, n.name() + " (" + n.type() + ") is pinned by its ChannelRule");
                } else {
                    elementwise(n, ins);
                }
                return;
            }
            GraphNode in = ins.isEmpty() ? null : ins.get(0);
            if (m instanceof Conv2d c) {
                if (c.groups() == 1) {
                    member(firstCall, n, ChannelDim.OUT, n);
                    member(firstCall, n, ChannelDim.IN, in);
                } else if (c.groups() == c.inChannels() && c.groups() == c.outChannels()) {
                    elementwise(n, ins);
                    member(firstCall, n, ChannelDim.OUT, n);
                } else {
                    pinAll(n, ins, n.name() + " (Conv2d) has groups=" + c.groups() + ", neither 1 nor depthwise");
                }
            } else if (m instanceof Linear) {
                if (in.outputShape().size() == 2 && n.outputShape().size() == 2) {
                    member(firstCall, n, ChannelDim.OUT, n);
                    member(firstCall, n, ChannelDim.IN, in);
                } else {
                    pinAll(n, ins, n.name() + " (Linear) reads a rank-" + in.outputShape().size() + " input");
                }
            } else if (m instanceof BatchNorm) {
                elementwise(n, ins);
                member(firstCall, n, ChannelDim.OUT, n);
            } else if (m instanceof ChannelPad pad) {
                for (int c = 0; c < width[in.index()]; c++) {
                    union(slot(in, c), slot(n, Math.toIntExact(pad.before()) + c));
                }
                member(firstCall, n, ChannelDim.OUT, n);
            } else if (m instanceof Flatten) {
                flatten(n, in);
            } else if (m instanceof Concat) {
                int offset = 0;
                for (GraphNode operand : ins) {
                    for (int c = 0; c < width[operand.index()]; c++) {
                        union(slot(operand, c), slot(n, offset + c));
                    }
                    offset += width[operand.index()];
                }
            } else if (m instanceof Add || m instanceof ReLU || m instanceof ReLU6 || m instanceof Dropout
                    || m instanceof Identity || m instanceof Pool2d || m instanceof AdaptiveAvgPool2d
                    || m instanceof ChannelwiseLayer c && c.preservesChannels()) {
                elementwise(n, ins);
            } else {
                pinAll(n, ins, n.name() + " (" + n.type() + ") has no channel rule");
            }
        }

        private void elementwise(GraphNode n, List<GraphNode> ins) {
            for (GraphNode in : ins) {
                if (width[in.index()] != width[n.index()]) {
                    pinAll(n, ins, n.name() + " (" + n.type() + ") maps " + width[in.index()] + " channels to "
                            + width[n.index()]);
                    return;
                }
            }
            for (GraphNode in : ins) {
                for (int c = 0; c < width[n.index()]; c++) {
                    union(slot(in, c), slot(n, c));
                }
            }
        }

        private void flatten(GraphNode n, GraphNode in) {
            List<Long> shape = in.outputShape();
            long perChannel = 1;
            for (int d = 2; d < shape.size(); d++) {
                perChannel *= shape.get(d);
            }
            if (shape.size() < 2 || width[n.index()] != width[in.index()] * perChannel || n.outputShape().size() != 2) {
                pinAll(n, List.of(in), n.name() + " (Flatten) maps " + shape + " to " + n.outputShape());
                return;
            }
            for (int f = 0; f < width[n.index()]; f++) {
                union(slot(in, Math.toIntExact(f / perChannel)), slot(n, f));
            }
        }

        /** A later call of a module computes with the same weights: its channels are the first call's. */
        private void tieToFirstCall(GraphNode n, List<GraphNode> ins, GraphNode first) {
            List<GraphNode> firstIns = graph.inputsOf(first).stream().map(GraphEdge::source).toList();
            List<GraphNode[]> pairs = new ArrayList<>();
            pairs.add(new GraphNode[] {first, n});
            for (int i = 0; i < Math.min(ins.size(), firstIns.size()); i++) {
                pairs.add(new GraphNode[] {firstIns.get(i), ins.get(i)});
            }
            for (GraphNode[] p : pairs) {
                if (width[p[0].index()] != width[p[1].index()] || ins.size() != firstIns.size()) {
                    pinAll(n, ins, n.name() + " is called with other widths than " + first.name());
                    pinAll(first, firstIns, n.name() + " is called with other widths than " + first.name());
                    return;
                }
            }
            for (GraphNode[] p : pairs) {
                for (int c = 0; c < width[p[0].index()]; c++) {
                    union(slot(p[0], c), slot(p[1], c));
                }
            }
        }

        private void member(boolean firstCall, GraphNode layer, ChannelDim dim, GraphNode space) {
            if (firstCall && width[space.index()] > 0) {
                pending.add(new Pending(layer, dim, space));
            }
        }

        private void pinAll(GraphNode n, List<GraphNode> ins, String reason) {
            pin(n, reason);
            ins.forEach(in -> pin(in, reason));
        }

        private void pin(GraphNode space, String reason) {
            for (int c = 0; c < width[space.index()]; c++) {
                int s = slot(space, c);
                if (pinned[s] == null) {
                    pinned[s] = reason;
                }
            }
        }

        private int slot(GraphNode space, int channel) {
            return base[space.index()] + channel;
        }

        private int find(int[] p, int s) {
            while (p[s] != s) {
                p[s] = p[p[s]];
                s = p[s];
            }
            return s;
        }

        private void union(int a, int b) {
            int ra = find(parent, a);
            int rb = find(parent, b);
            if (ra != rb) {
                parent[Math.max(ra, rb)] = Math.min(ra, rb);
            }
        }

        private List<ChannelGroup> buildGroups() {
            int total = parent.length;
            // A group joins channel classes that share a tensor; start from the channel classes themselves.
            int[] groupParent = new int[total];
            for (int s = 0; s < total; s++) {
                groupParent[s] = find(parent, s);
            }
            for (GraphNode n : graph.nodes()) {
                for (int c = 1; c < width[n.index()]; c++) {
                    int a = find(groupParent, slot(n, 0));
                    int b = find(groupParent, slot(n, c));
                    if (a != b) {
                        groupParent[Math.max(a, b)] = Math.min(a, b);
                    }
                }
            }
            Map<Integer, List<GraphNode>> spaces = new LinkedHashMap<>();
            for (GraphNode n : graph.nodes()) {
                if (width[n.index()] > 0) {
                    spaces.computeIfAbsent(find(groupParent, slot(n, 0)), k -> new ArrayList<>()).add(n);
                }
            }
            List<ChannelGroup> out = new ArrayList<>();
            Map<Integer, Integer> groupOfRoot = new LinkedHashMap<>();
            List<Map<Integer, Integer>> channelNumbers = new ArrayList<>();
            List<List<GroupMember>> members = new ArrayList<>();
            for (Map.Entry<Integer, List<GraphNode>> e : spaces.entrySet()) {
                groupOfRoot.put(e.getKey(), channelNumbers.size());
                channelNumbers.add(numberChannels(e.getValue()));
                members.add(new ArrayList<>());
            }
            for (Pending p : pending) {
                int g = groupOfRoot.get(find(groupParent, slot(p.space(), 0)));
                int[] channelOf = new int[width[p.space().index()]];
                for (int c = 0; c < channelOf.length; c++) {
                    channelOf[c] = channelNumbers.get(g).get(find(parent, slot(p.space(), c)));
                }
                members.get(g).add(new GroupMember(p.node().moduleName(), p.node().module(), p.dim(), channelOf));
            }
            List<String[]> reasons = new ArrayList<>();
            channelNumbers.forEach(numbers -> reasons.add(new String[numbers.size()]));
            for (int s = 0; s < total; s++) {
                if (pinned[s] != null) {
                    int g = groupOfRoot.get(find(groupParent, s));
                    int ch = channelNumbers.get(g).get(find(parent, s));
                    if (reasons.get(g)[ch] == null) {
                        reasons.get(g)[ch] = pinned[s];
                    }
                }
            }
            for (int g = 0; g < channelNumbers.size(); g++) {
                out.add(new ChannelGroup(g, members.get(g), reasons.get(g)));
            }
            return out;
        }

        /**
         * Numbers a group's channel classes: first in the order of the tensor that shows the most of them (the
         * widest: in an option-A ResNet the last stage, which covers the others at an offset), then as they
         * appear in the other tensors in graph order.
         */
        private Map<Integer, Integer> numberChannels(List<GraphNode> groupSpaces) {
            GraphNode widest = groupSpaces.get(0);
            int most = -1;
            for (GraphNode n : groupSpaces) {
                int distinct = (int) java.util.stream.IntStream.range(0, width[n.index()])
                        .map(c -> find(parent, slot(n, c))).distinct().count();
                if (distinct > most) {
                    most = distinct;
                    widest = n;
                }
            }
            List<GraphNode> order = new ArrayList<>(groupSpaces);
            order.remove(widest);
            order.add(0, widest);
            Map<Integer, Integer> numbers = new LinkedHashMap<>();
            for (GraphNode n : order) {
                for (int c = 0; c < width[n.index()]; c++) {
                    numbers.putIfAbsent(find(parent, slot(n, c)), numbers.size());
                }
            }
            return Collections.unmodifiableMap(numbers);
        }
    }
}
