package dev.shrink4j.prune.graph;

import java.util.List;

/**
 * Nodes that must be pruned on the same output channels (a connected component of the dependency
 * graph), in model order. All have the same number of output channels.
 *
 * @param nodes at least two nodes
 */
public record Group(List<Node> nodes) {

    public Group {
        nodes = List.copyOf(nodes);
        if (nodes.size() < 2) {
            throw new IllegalArgumentException("a group needs at least 2 nodes, got " + nodes);
        }
    }

    /** The node names, in model order. */
    public List<String> names() {
        return nodes.stream().map(Node::name).toList();
    }

    /** Whether the group holds the layer named {@code name}. */
    public boolean contains(String name) {
        return nodes.stream().anyMatch(n -> n.name().equals(name));
    }

    /** The shared number of output channels. */
    public long channels() {
        return nodes.get(0).outChannels();
    }

    /** A one-line plan: {@code conv1 ⇔ layer1.0.conv2 ⇔ layer1.1.conv2 (64 channels)}. */
    public String details() {
        return String.join(" ⇔ ", names()) + " (" + channels() + " channels)";
    }

    @Override
    public String toString() {
        return details();
    }
}
