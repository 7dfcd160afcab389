package dev.shrink4j.graph;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;

/**
 * The dataflow graph of one forward pass of a {@link Module}: which leaf module's output feeds which
 * module's input, with tensor shapes on every edge (Torch-Pruning's {@code DependencyGraph} nodes, NNI's
 * traced graph). Build it with {@link #trace(Module, Tensor)}:
 * <pre>
 * ModelGraph g = ModelGraph.trace(model, torch.zeros(1, 3, 32, 32));
 * System.out.println(g);                  // one line per node: name: Type(inputs) -&gt; shape
 * Files.writeString(path, g.toDot());     // Graphviz
 * </pre>
 * Nodes are the model's input, every call of a leaf module (a module without children: layers and the glue
 * modules {@code Add}, {@code Concat}, {@code ChannelPad}, {@code Flatten}) in call order, and the output.
 * A graph is immutable; it holds the modules (not the tensors) of the model it was traced from.
 */
public final class ModelGraph {

    private final Module model;
    private final String modelName;
    private final List<GraphNode> nodes;
    private final List<GraphEdge> edges;
    private final Map<String, GraphNode> byName = new LinkedHashMap<>();
    private final Map<GraphNode, List<GraphEdge>> inputs = new LinkedHashMap<>();
    private final Map<GraphNode, List<GraphEdge>> consumers = new LinkedHashMap<>();

    ModelGraph(Module model, List<GraphNode> nodes, List<GraphEdge> edges) {
        this.model = model;
        this.modelName = model.typeName();
        this.nodes = List.copyOf(nodes);
        this.edges = List.copyOf(edges);
        for (GraphNode n : this.nodes) {
            byName.put(n.name(), n);
            inputs.put(n, new ArrayList<>());
            consumers.put(n, new ArrayList<>());
        }
        for (GraphEdge e : this.edges) {
            inputs.get(e.target()).add(e);
            consumers.get(e.source()).add(e);
        }
        inputs.values().forEach(l -> l.sort((a, b) -> Integer.compare(a.inputIndex(), b.inputIndex())));
    }

    /**
     * Traces one forward pass of {@code model} on {@code exampleInput}: forward hooks on every leaf module
     * record which tensor each call consumed and produced (by tensor identity and version), and the
     * autograd graph explains any input that no module produced. The pass runs in evaluation mode (batch
     * norm statistics untouched, dropout off) with gradients recorded for the diagnosis; every module's
     * mode is restored and every hook removed afterwards, also when it fails. The caller's tensor is not
     * modified. A compressor's hooks may be attached: the tracer's pre-hook runs before any other, so an input
     * that a compressor's pre-hook then replaces (input quantization) still comes from its producer.
     *
     * @throws TraceException naming each module (or {@code <output>}) whose input was computed outside any
     *                        module (a raw {@code add}, {@code cat}, {@code view} or in-place change in a
     *                        forward method), or when the forward pass itself fails
     */
    public static ModelGraph trace(Module model, Tensor exampleInput) {
        return Tracer.trace(model, exampleInput);
    }

    /** The model traced (the graph's module nodes are its leaves). */
    public Module model() {
        return model;
    }

    /** The model's type name, as traced. */
    public String modelName() {
        return modelName;
    }

    /** Every node: the input, the module calls in call order, the output. */
    public List<GraphNode> nodes() {
        return nodes;
    }

    /** Every edge, in the order the consuming calls happened. */
    public List<GraphEdge> edges() {
        return edges;
    }

    /** The input node. */
    public GraphNode input() {
        return nodes.get(0);
    }

    /** The output node. */
    public GraphNode output() {
        return nodes.get(nodes.size() - 1);
    }

    /**
     * The node called {@code name}.
     *
     * @throws IllegalArgumentException when there is none (a module that was not called has no node)
     */
    public GraphNode node(String name) {
        GraphNode n = byName.get(name);
        if (n == null) {
            throw new IllegalArgumentException("the graph of " + modelName + " has no node \"" + name
                    + "\" (only leaf modules that forward calls are nodes)");
        }
        return n;
    }

    /** Whether a node is called {@code name}. */
    public boolean hasNode(String name) {
        return byName.containsKey(name);
    }

    /** The nodes of the module calls, in call order. */
    public List<GraphNode> moduleNodes() {
        return nodes.subList(1, nodes.size() - 1);
    }

    /** The edges into {@code node}, by input index. */
    public List<GraphEdge> inputsOf(GraphNode node) {
        return Collections.unmodifiableList(inputs.get(node));
    }

    /** The edges out of {@code node}: every consumer of its output, in call order. */
    public List<GraphEdge> consumersOf(GraphNode node) {
        return Collections.unmodifiableList(consumers.get(node));
    }

    /**
     * One line per node: {@code name: Type(source shape, …) -> output shape}, e.g.
     * {@code layer1.0.add: Add(layer1.0.bn2 [1, 16, 32, 32], layer1.0.shortcut [1, 16, 32, 32]) -> [1, 16, 32, 32]}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ModelGraph of ").append(modelName).append(": ").append(nodes.size())
                .append(" nodes, ").append(edges.size()).append(" edges\n");
        for (GraphNode n : nodes) {
            sb.append("  ").append(n.name()).append(": ").append(n.type());
            if (n.kind() != GraphNode.Kind.INPUT) {
                sb.append(inputs.get(n).stream().map(e -> e.source().name() + " " + e.shape())
                        .collect(Collectors.joining(", ", "(", ")")));
            }
            if (n.kind() != GraphNode.Kind.OUTPUT) {
                sb.append(" -> ").append(n.outputShape());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * The graph in Graphviz DOT: one box per module call labelled with its name and type (the input and
     * output as ellipses), one arrow per edge labelled with the tensor's shape; render with
     * {@code dot -Tsvg}.
     */
    public String toDot() {
        StringBuilder sb = new StringBuilder("digraph \"").append(escape(modelName)).append("\" {\n")
                .append("  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n")
                .append("  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for (GraphNode n : nodes) {
            sb.append("  n").append(n.index()).append(" [label=\"").append(escape(n.name())).append("\\n")
                    .append(escape(n.type())).append('"').append(n.kind() == GraphNode.Kind.MODULE ? "" : ", shape=ellipse")
                    .append("];\n");
        }
        for (GraphEdge e : edges) {
            sb.append("  n").append(e.source().index()).append(" -> n").append(e.target().index()).append(" [label=\"")
                    .append(e.shape().stream().map(String::valueOf).collect(Collectors.joining("x"))).append("\"];\n");
        }
        return sb.append("}\n").toString();
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
