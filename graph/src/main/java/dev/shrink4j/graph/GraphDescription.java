package dev.shrink4j.graph;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.ModuleTypes;
import dev.shrink4j.nn.io.AtomicFiles;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.stats.FlopCounter;
import dev.shrink4j.workbench.stats.ModelProfile;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.global.torch;

/**
 * The JSON description of a (reconstructed) network's graph, AMC's {@code save_to_json}: what a restructuring run
 * writes beside the model as {@value #FILE}, so the shape of the smaller network can be read without loading it. For a
 * LeNet-5 with half the input channels of conv2, fc1, fc2 and fc3 pruned:
 * <pre>
 * {"model": "LeNet5", "input_shape": [1, 1, 28, 28], "output_shape": [1, 10], "params": 15738, "flops": 141046,
 *  "nodes": [{"name": "conv1", "op_type": "Conv2d", "input_shapes": [[1, 1, 28, 28]], "output_shape": [1, 3, 28, 28],
 *             "params": 78, "flops": 61152, "in_channels": 1, "out_channels": 3, "kernel_size": [5, 5],
 *             "stride": [1, 1], "padding": [2, 2], "groups": 1}, …],
 *  "edges": [{"source": "&lt;input&gt;", "target": "conv1", "input_index": 0, "shape": [1, 1, 28, 28]}, …]}
 * </pre>
 * The nodes and edges are {@link ModelGraph#trace}'s (the input, every call of a leaf module in call order, the
 * output), traced on a zero input of one sample. Each node's {@code flops} are that call's, by
 * {@link ModelProfiler}'s conventions, so the nodes' FLOPs add up to {@link ModelProfile#totalFlops()} of the same
 * input; {@code params} are the scalars of the node's own module (a module called twice lists them at each call;
 * the top-level {@code params} counts them once). A convolution also gives its channels and geometry, a linear layer
 * {@code in_features}/{@code out_features}, a batch norm {@code num_features}; a layer inside a composite names it:
 * {@code "parent": "conv2", "parent_type": "Sequential"} for the halves {@code conv2.0}/{@code conv2.1} of a low-rank
 * pair, whose rank is {@code conv2.0}'s {@code out_channels}.
 */
public final class GraphDescription {

    /** The file name beside the model. */
    public static final String FILE = "graph.json";

    private GraphDescription() {
    }

    /**
     * Describes {@code model} traced on a zero input of {@code inputShape} (batch included; use 1 so FLOPs are per
     * sample).
     *
     * @throws IllegalArgumentException when the shape is empty or not positive, or the model rejects it
     */
    public static JsonObject describe(Module model, long... inputShape) {
        if (inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("graph description: input shape must be non-empty and positive, got "
                    + Arrays.toString(inputShape));
        }
        Map<Module, List<Long>> callFlops = new IdentityHashMap<>();
        ModelProfiler profiler = new ModelProfiler();
        Map<Class<? extends Module>, FlopCounter> counters = ModelProfiler.defaultCounters();
        // each call's count, in call order: the profiler only keeps a module's sum
        counters.forEach((type, base) -> profiler.withCounter(type, (module, x, y) -> {
            long f = base.count(module, x, y);
            callFlops.computeIfAbsent(module, m -> new ArrayList<>()).add(f);
            return f;
        }));
        ModelProfile profile = profiler.run(model, inputShape);
        Map<String, Module> modules = model.namedModules();
        JsonObject out = new JsonObject();
        out.addProperty("model", model.typeName());
        out.add("input_shape", longs(profile.inputShape()));
        out.add("output_shape", longs(profile.outputShape()));
        out.addProperty("params", model.parameterCount());
        out.addProperty("flops", profile.totalFlops());
        JsonArray nodes = new JsonArray();
        JsonArray edges = new JsonArray();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            ModelGraph graph = ModelGraph.trace(model, torch.zeros(inputShape));
            for (GraphNode n : graph.nodes()) {
                nodes.add(node(graph, n, callFlops, counters, modules));
            }
            for (GraphEdge e : graph.edges()) {
                JsonObject edge = new JsonObject();
                edge.addProperty("source", e.source().name());
                edge.addProperty("target", e.target().name());
                edge.addProperty("input_index", e.inputIndex());
                edge.add("shape", longs(e.shape()));
                edges.add(edge);
            }
        }
        out.add("nodes", nodes);
        out.add("edges", edges);
        return out;
    }

    /**
     * Writes {@link #describe} of {@code model} to {@code file} (pretty-printed, atomically: a temporary file renamed
     * into place).
     */
    public static void write(Module model, long[] inputShape, Path file) throws IOException {
        String json = new GsonBuilder().setPrettyPrinting().create().toJson(describe(model, inputShape));
        AtomicFiles.writeString(file, json + "\n");
    }

    private static JsonObject node(ModelGraph graph, GraphNode n, Map<Module, List<Long>> callFlops,
            Map<Class<? extends Module>, FlopCounter> counters, Map<String, Module> modules) {
        JsonObject o = new JsonObject();
        o.addProperty("name", n.name());
        o.addProperty("op_type", n.type());
        JsonArray inputs = new JsonArray();
        graph.inputsOf(n).forEach(e -> inputs.add(longs(e.shape())));
        o.add("input_shapes", inputs);
        o.add("output_shape", longs(n.outputShape()));
        Module m = n.module();
        if (m == null) {
            return o;
        }
        o.addProperty("params", m.parameterCount());
        o.addProperty("flops", flopsOf(n, callFlops, counters));
        if (m instanceof Conv2d c) {
            o.addProperty("in_channels", c.inChannels());
            o.addProperty("out_channels", c.outChannels());
            o.add("kernel_size", longs(c.kernelSize()));
            o.add("stride", longs(c.stride()));
            o.add("padding", longs(c.padding()));
            o.addProperty("groups", c.groups());
        } else if (m instanceof Linear l) {
            o.addProperty("in_features", l.inFeatures());
            o.addProperty("out_features", l.outFeatures());
        } else if (m instanceof BatchNorm b) {
            o.addProperty("num_features", b.numFeatures());
        }
        int dot = n.moduleName().lastIndexOf('.');
        if (dot > 0) {
            String parent = n.moduleName().substring(0, dot);
            o.addProperty("parent", parent);
            o.addProperty("parent_type", modules.get(parent).typeName());
        }
        return o;
    }

    /** This call's FLOPs: 0 for a type without a counter (as the profiler counts it), else what the counter saw. */
    private static long flopsOf(GraphNode n, Map<Module, List<Long>> callFlops,
            Map<Class<? extends Module>, FlopCounter> counters) {
        if (ModuleTypes.nearest(counters, n.module().getClass()) == null) {
            return 0;
        }
        List<Long> calls = callFlops.get(n.module());
        if (calls == null || calls.size() < n.call()) {
            throw new IllegalStateException("graph description: the FLOP count saw " + (calls == null ? 0 : calls.size())
                    + " calls of " + n.moduleName() + " but the trace has call " + n.call());
        }
        return calls.get(n.call() - 1);
    }

    private static JsonArray longs(List<Long> values) {
        JsonArray a = new JsonArray();
        values.forEach(a::add);
        return a;
    }

    private static JsonArray longs(long[] values) {
        JsonArray a = new JsonArray();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }
}
