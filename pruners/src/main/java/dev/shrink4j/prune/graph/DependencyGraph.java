package dev.shrink4j.prune.graph;

import dev.shrink4j.nn.HasChannelDependencies;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The channel dependencies of a model's convolutions: its {@link Node}s (every {@code Conv2d}, in
 * model order), the {@link ChannelCoupling} edges between them, and the {@link Group}s (connected
 * components of two or more nodes) that must be pruned on the same output channels.
 *
 * <p>Build it with {@link #of(Module, long...)}: a model implementing {@link HasChannelDependencies}
 * is taken at its word; any other model is traced with a dummy input by
 * {@link ChannelDependencyTracer}.
 */
public final class DependencyGraph {

    private final Map<String, Node> nodes;
    private final List<ChannelCoupling> couplings;
    private final List<Group> groups;

    private DependencyGraph(Map<String, Node> nodes, List<ChannelCoupling> couplings) {
        this.nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        this.couplings = List.copyOf(couplings);
        this.groups = List.copyOf(components(this.nodes, this.couplings));
    }

    /**
     * The model's declared dependencies when it implements {@link HasChannelDependencies}, otherwise its
     * traced ones.
     *
     * @param inputShape the dummy input's shape for tracing (e.g. {@code 1, 3, 32, 32}); may be empty for
     *                   a model that declares its dependencies
     * @throws IllegalArgumentException when the model declares nothing and no input shape is given
     */
    public static DependencyGraph of(Module model, long... inputShape) {
        if (model instanceof HasChannelDependencies declaring) {
            return declared(model, declaring.channelDependencies());
        }
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException(model.typeName() + " does not implement HasChannelDependencies: give a"
                    + " dummy input shape to trace its channel dependencies");
        }
        return traced(model, inputShape);
    }

    /** The dependencies the model traces to with a dummy input of {@code inputShape}. */
    public static DependencyGraph traced(Module model, long... inputShape) {
        Map<String, Node> nodes = convolutions(model);
        return new DependencyGraph(nodes, ChannelDependencyTracer.trace(model, nodes, inputShape));
    }

    /**
     * Dependencies declared as sets of layer names; each set links its first layer to every other.
     *
     * @throws IllegalArgumentException naming a set with fewer than two layers, a name that is not a
     *                                  {@code Conv2d} of the model, or layers whose channel counts differ
     */
    public static DependencyGraph declared(Module model, List<Set<String>> sets) {
        Map<String, Node> nodes = convolutions(model);
        List<ChannelCoupling> couplings = new ArrayList<>();
        for (int i = 0; i < sets.size(); i++) {
            List<String> names = new ArrayList<>(sets.get(i));
            String at = "channel dependency set " + i + " " + names;
            if (names.size() < 2) {
                throw new IllegalArgumentException(at + ": needs at least 2 layers");
            }
            List<Node> members = new ArrayList<>();
            for (String name : names) {
                Node node = nodes.get(name);
                if (node == null) {
                    Module m = model.namedModules().get(name);
                    throw new IllegalArgumentException(at + ": \"" + name + "\" is "
                            + (m == null ? "not a module of " + model.typeName() : "a " + m.typeName() + ", not a Conv2d"));
                }
                members.add(node);
            }
            for (Node other : members.subList(1, members.size())) {
                if (other.outChannels() != members.get(0).outChannels()) {
                    throw new IllegalArgumentException(at + ": " + members.get(0) + " and " + other
                            + " cannot share channels");
                }
                couplings.add(new ChannelCoupling(members.get(0), other, "declared"));
            }
        }
        return new DependencyGraph(nodes, couplings);
    }

    private static Map<String, Node> convolutions(Module model) {
        Map<String, Node> out = new LinkedHashMap<>();
        model.namedModules().forEach((name, m) -> {
            if (!name.isEmpty() && m instanceof Conv2d conv) {
                out.put(name, new Node(name, conv));
            }
        });
        return out;
    }

    /** Union-find over the edges; groups of two or more, ordered by their first node's model order. */
    private static List<Group> components(Map<String, Node> nodes, List<ChannelCoupling> couplings) {
        Map<String, String> parent = new LinkedHashMap<>();
        nodes.keySet().forEach(n -> parent.put(n, n));
        for (ChannelCoupling c : couplings) {
            String a = root(parent, c.first().name());
            String b = root(parent, c.second().name());
            if (!a.equals(b)) {
                parent.put(b, a);
            }
        }
        Map<String, List<Node>> byRoot = new LinkedHashMap<>();
        for (Node n : nodes.values()) {
            byRoot.computeIfAbsent(root(parent, n.name()), k -> new ArrayList<>()).add(n);
        }
        List<List<Node>> comps = new ArrayList<>(byRoot.values());
        List<Group> out = new ArrayList<>();
        for (List<Node> c : comps) {
            if (c.size() >= 2) {
                out.add(new Group(c));
            }
        }
        return out;
    }

    private static String root(Map<String, String> parent, String n) {
        String r = n;
        while (!parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        return r;
    }

    /** Every convolution of the model by name, in model order. */
    public Map<String, Node> nodes() {
        return nodes;
    }

    /** The couplings found (or declared): the graph's edges. */
    public List<ChannelCoupling> couplings() {
        return couplings;
    }

    /** The groups of two or more nodes that must share pruned channels. */
    public List<Group> groups() {
        return groups;
    }

    /** The group holding layer {@code name}, if it is in one. */
    public Optional<Group> groupOf(String name) {
        return groups.stream().filter(g -> g.contains(name)).findFirst();
    }

    /** One line per group ({@link Group#details()}). */
    public String details() {
        StringBuilder sb = new StringBuilder();
        groups.forEach(g -> sb.append(g.details()).append('\n'));
        return sb.toString();
    }
}
