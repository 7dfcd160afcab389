package dev.shrink4j.graph;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Merge;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.Edge;
import org.bytedeco.pytorch.EdgeVector;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;

/**
 * Builds a {@link ModelGraph} from one forward pass (see {@link ModelGraph#trace}).
 *
 * <p>Matching. A pre-hook on every leaf module looks up each input tensor by identity (the address of its
 * {@code TensorImpl}) among the outputs recorded so far, the latest producer of that tensor winning (so an
 * {@code Identity} or eval-mode {@code Dropout}, which returns its input, becomes the producer for what is
 * called after it); the tensor's version counter must not have changed since it was produced, or something
 * modified it in place between the two modules. Every traced tensor is held until the trace ends, so no
 * address is reused.
 *
 * <p>Diagnosis. An input that matches no producer was computed outside any module. The autograd graph
 * explains how: a walk back from the tensor's {@code grad_fn}, stopping at the autograd nodes that produced
 * recorded module outputs (and at the leaves: the input, parameters), names the operations found and the
 * modules they read from.
 */
final class Tracer {

    /** How many autograd nodes a diagnosis walks at most. */
    private static final int MAX_WALK = 64;
    private static final String ACCUMULATE_GRAD = "AccumulateGrad";

    private final Module model;
    private final Map<Module, String> names = new IdentityHashMap<>();
    private final Map<Module, Integer> callCounts = new IdentityHashMap<>();
    /** By index; while a module call runs, its slot holds the call's node without an output shape yet. */
    private final List<GraphNode> nodes = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();
    private final Map<Long, Produced> producers = new HashMap<>();
    private final Map<String, String> autogradProducers = new HashMap<>();
    private final Deque<GraphNode> open = new ArrayDeque<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Tensor> held = new ArrayList<>();
    private Tensor input;
    private Map<Long, String> leaves;

    /** The latest producer of a tensor and the tensor's version when it was produced. */
    private record Produced(GraphNode node, long version) {
    }

    /** An edge to the node at index {@code target}, which is complete only when its call has returned. */
    private record Link(GraphNode source, int target, int inputIndex, List<Long> shape) {
    }

    private Tracer(Module model) {
        this.model = model;
    }

    static ModelGraph trace(Module model, Tensor exampleInput) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(exampleInput, "exampleInput");
        Tracer tracer = new Tracer(model);
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        try (PointerScope scope = new PointerScope(); AutoGradMode grad = new AutoGradMode(true)) {
            model.namedModules().forEach((name, m) -> {
                modes.putIfAbsent(m, m.isTraining());
                if (m.namedChildren().isEmpty() && !tracer.names.containsKey(m)) {
                    tracer.names.put(m, name);
                    // First of the pre-hooks: the edge runs from the producer to the input as passed; what a
                    // compressor's pre-hook then does to it (input quantization) belongs to this module's call.
                    handles.add(m.registerForwardPreHook(tracer::enter, true));
                    handles.add(m.registerForwardHook(tracer::exit));
                }
            });
            model.eval();
            Tensor x = exampleInput.detach();
            if (x.is_floating_point()) {
                // Only for the diagnosis: the autograd graph starts at an input that requires grad.
                x.requires_grad_(true);
            }
            tracer.begin(x);
            Tensor y;
            try {
                y = model.call(x);
            } catch (RuntimeException e) {
                throw new TraceException("cannot trace " + model.typeName() + ": its forward pass on an input of shape "
                        + Arrays.toString(exampleInput.shape()) + " failed: " + firstLine(e.getMessage()), e);
            }
            tracer.finish(y);
            if (!tracer.problems.isEmpty()) {
                throw new TraceException(model.typeName(), tracer.problems);
            }
            return new ModelGraph(model, tracer.nodes, tracer.edges());
        } finally {
            handles.forEach(HookHandle::remove);
            // Pre-order: each module's own flag is set after its ancestors', so mixed modes come back intact.
            modes.forEach(Module::train);
        }
    }

    private void begin(Tensor x) {
        input = x;
        GraphNode node = new GraphNode(0, GraphNode.INPUT_NAME, GraphNode.INPUT_NAME, GraphNode.Kind.INPUT, null, 0,
                shape(x));
        nodes.add(node);
        produce(node, x);
    }

    private Tensor enter(Module m, Tensor x) {
        String name = names.get(m);
        int call = callCounts.merge(m, 1, Integer::sum);
        GraphNode node = new GraphNode(nodes.size(), call == 1 ? name : name + "#" + call, name, GraphNode.Kind.MODULE, m,
                call, List.of());
        nodes.add(node);
        List<Tensor> operands = new ArrayList<>(List.of(x));
        if (m instanceof Merge merge && !merge.currentInputs().isEmpty()) {
            operands = new ArrayList<>(merge.currentInputs());
            operands.set(0, x);
        }
        for (int i = 0; i < operands.size(); i++) {
            consume(operands.get(i), node, i);
        }
        open.push(node);
        return x;
    }

    private Tensor exit(Module m, Tensor x, Tensor y) {
        GraphNode running = open.pop();
        if (running.module() != m) {
            throw new IllegalStateException("tracer hooks out of order: " + names.get(m) + " returned while " + running.name()
                    + " was running");
        }
        GraphNode node = new GraphNode(running.index(), running.name(), running.moduleName(), running.kind(), m,
                running.call(), shape(y));
        nodes.set(node.index(), node);
        produce(node, y);
        return y;
    }

    private void finish(Tensor y) {
        GraphNode node = new GraphNode(nodes.size(), GraphNode.OUTPUT_NAME, GraphNode.OUTPUT_NAME, GraphNode.Kind.OUTPUT,
                null, 0, shape(y));
        nodes.add(node);
        consume(y, node, 0);
    }

    /** The traced edges, their targets complete now that every call has returned. */
    private List<GraphEdge> edges() {
        return links.stream().map(l -> new GraphEdge(l.source(), nodes.get(l.target()), l.inputIndex(), l.shape())).toList();
    }

    private void produce(GraphNode node, Tensor t) {
        held.add(t);
        producers.put(impl(t), new Produced(node, t._version()));
        Node fn = t.grad_fn();
        if (fn != null && !fn.isNull()) {
            autogradProducers.put(key(fn.address(), t.output_nr()), node.name());
        }
    }

    private void consume(Tensor t, GraphNode consumer, int index) {
        held.add(t);
        Produced p = producers.get(impl(t));
        if (p != null && p.version() == t._version()) {
            links.add(new Link(p.node(), consumer.index(), index, shape(t)));
            return;
        }
        String what = consumer.kind() == GraphNode.Kind.OUTPUT ? GraphNode.OUTPUT_NAME + " (what the model returns)"
                : consumer.name() + " (" + consumer.type() + ") input " + index;
        problems.add(what + " " + shape(t) + " is " + origin(t, p));
    }

    /** Where a tensor no module produced came from, as far as the autograd graph tells. */
    private String origin(Tensor t, Produced stale) {
        Node fn = t.grad_fn();
        boolean hasHistory = fn != null && !fn.isNull();
        if (stale != null) {
            return "the output of " + stale.node().name() + ", changed in place outside any module (version "
                    + stale.version() + " -> " + t._version() + (hasHistory ? ", by " + fn.name().getString() : "") + ")";
        }
        if (!hasHistory) {
            String parameter = leafNames().get(impl(t));
            return parameter != null ? parameter + ", used outside a leaf module"
                    : "a tensor without autograd history that no module produced (made or detached in a forward method)";
        }
        Set<String> ops = new LinkedHashSet<>();
        Set<String> sources = new LinkedHashSet<>();
        Set<Long> seen = new HashSet<>();
        Deque<Node> queue = new ArrayDeque<>(List.of(fn));
        while (!queue.isEmpty() && seen.size() < MAX_WALK) {
            Node n = queue.poll();
            if (!seen.add(n.address())) {
                continue;
            }
            String op = n.name().getString();
            if (op.endsWith(ACCUMULATE_GRAD)) {
                sources.add(leafNames().getOrDefault(n.address(), "a leaf tensor"));
                continue;
            }
            ops.add(op);
            EdgeVector next = n.next_edges();
            for (long i = 0; i < next.size(); i++) {
                Edge e = next.get(i);
                if (!e.is_valid()) {
                    continue;
                }
                Node src = e.function();
                String producer = autogradProducers.get(key(src.address(), e.input_nr()));
                if (producer != null) {
                    sources.add(producer);
                } else {
                    queue.add(src);
                }
            }
        }
        return "computed outside any module by " + String.join(", ", ops) + (queue.isEmpty() ? "" : ", …")
                + (sources.isEmpty() ? "" : " from " + String.join(", ", sources));
    }

    /**
     * The leaves a forward can read: the input and the model's parameters, keyed both by their
     * {@code AccumulateGrad} node (what the autograd walk meets) and by tensor identity.
     */
    private Map<Long, String> leafNames() {
        if (leaves == null) {
            leaves = new HashMap<>();
            addLeaf(input, GraphNode.INPUT_NAME);
            model.namedParameters().forEach((name, p) -> addLeaf(p, "parameter \"" + name + "\""));
        }
        return leaves;
    }

    private void addLeaf(Tensor t, String name) {
        leaves.put(impl(t), name);
        if (t.requires_grad()) {
            // view_as gives a node whose only edge leads to the leaf's AccumulateGrad, the one the forward used.
            Node view = t.view_as(t).grad_fn();
            Edge e = view.next_edges().get(0);
            if (e.is_valid()) {
                leaves.put(e.function().address(), name);
            }
        }
    }

    private static long impl(Tensor t) {
        return t.unsafeGetTensorImpl().address();
    }

    private static String key(long node, long outputNr) {
        return node + ":" + outputNr;
    }

    static List<Long> shape(Tensor t) {
        return Arrays.stream(t.shape()).boxed().toList();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
