package dev.shrink4j.onnx;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.onnx.layers.Elementwise;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A model imported from an ONNX file by {@link OnnxImporter}: an ordinary {@link Module} tree whose layers
 * ({@code Conv2d}, {@code BatchNorm2d}, {@code Linear}, {@code ReLU}, {@code Add}, {@code Concat}, …) sit at the
 * PyTorch names their initializers carry ({@code layer1.0.conv1}), in {@link ModuleContainer}s for the prefixes,
 * so {@link #stateDict()} has PyTorch's keys and every compressor, the graph tracer, speedup, training and
 * {@link OnnxExporter} work on it.
 *
 * <p>Forward runs the ONNX graph's nodes in file order over named values: each step calls one leaf layer on the
 * values it reads and stores what it returns under its output name; residual sums and concatenations are
 * {@code Add} and {@code Concat} layers, so the tracer sees every operation. A layer with parameters is not shared
 * between steps (each ONNX node that reads weights gets its own layer).
 *
 * <p>Metadata from the file: {@link #inputShape()} (one sample, the batch axis is dynamic), {@link #outputShape()}
 * and {@link #classCount()}, the file's opset and its graph name.
 */
public final class ImportedModel extends Module {

    /** One call of a leaf layer: the values it reads (in operand order) and the value it writes. */
    record Step(Module module, List<String> inputs, String output) {
    }

    private final List<Step> steps = new ArrayList<>();
    private final Path source;
    private final String graphName;
    private final int opset;
    private final String inputName;
    private final long[] inputShape;
    private String outputName;
    private long[] outputShape;

    ImportedModel(Path source, String graphName, int opset, String inputName, long[] inputShape) {
        this.source = source;
        this.graphName = graphName;
        this.opset = opset;
        this.inputName = inputName;
        this.inputShape = inputShape.clone();
    }

    @Override
    protected Tensor forward(Tensor input) {
        Map<String, Tensor> values = new HashMap<>();
        values.put(inputName, input);
        for (Step step : steps) {
            values.put(step.output(), run(step, values));
        }
        return values.get(outputName);
    }

    /** Calls the step's layer on its operands (looked up in {@code values}); the importer runs it on example values. */
    static Tensor run(Step step, Map<String, Tensor> values) {
        Tensor[] in = new Tensor[step.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = Objects.requireNonNull(values.get(step.inputs().get(i)), step.inputs().get(i));
        }
        Module m = step.module();
        if (m instanceof Add add) {
            return add.call(in[0], in[1]);
        }
        if (m instanceof Concat concat) {
            return concat.call(in);
        }
        if (m instanceof Elementwise e) {
            return e.call(in[0], in[1]);
        }
        return m.call(in[0]);
    }

    /**
     * Registers {@code module} at the dotted path {@code desired}, creating containers for its prefixes. Where a
     * prefix is already a layer (which cannot hold children) the rest of the path joins it with {@code _}, and
     * where the path is taken a suffix {@code _2}, {@code _3}, … makes it unique.
     *
     * @return the path the module got
     */
    String place(String desired, Module module) {
        String[] parts = desired.split("\\.");
        Module current = this;
        StringBuilder path = new StringBuilder();
        int i = 0;
        for (; i < parts.length - 1; i++) {
            Module child = current.namedChildren().get(parts[i]);
            if (child == null) {
                child = addChild(current, parts[i], new ModuleContainer());
            } else if (!(child instanceof ModuleContainer)) {
                break; // a layer: the rest of the path joins its name
            }
            path.append(parts[i]).append('.');
            current = child;
        }
        String name = String.join("_", Arrays.copyOfRange(parts, i, parts.length));
        String unique = name;
        for (int k = 2; current.namedChildren().containsKey(unique); k++) {
            unique = name + "_" + k;
        }
        addChild(current, unique, module);
        return path + unique;
    }

    private Module addChild(Module parent, String name, Module child) {
        return parent == this ? registerModule(name, child) : ((ModuleContainer) parent).add(name, child);
    }

    /** Whether {@code path} names a module of the tree. */
    boolean hasPath(String path) {
        try {
            getSubmodule(path);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    void addStep(Step step) {
        steps.add(step);
    }

    void finish(String output, long[] shape) {
        this.outputName = output;
        this.outputShape = shape.clone();
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    /** The ONNX file the model was imported from. */
    public Path source() {
        return source;
    }

    /** The ONNX graph's name. */
    public String graphName() {
        return graphName;
    }

    /** The file's default-domain opset version. */
    public int opset() {
        return opset;
    }

    /** The shape of one input sample, without the batch axis (e.g. {@code [3, 224, 224]}). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The shape of the output for one sample, without the batch axis (e.g. {@code [10]}). */
    public long[] outputShape() {
        return outputShape.clone();
    }

    /** The number of classes: the output's width for a {@code [batch, classes]} output, else 0. */
    public int classCount() {
        return outputShape.length == 1 ? Math.toIntExact(outputShape[0]) : 0;
    }

    /** The number of layer calls forward makes. */
    public int stepCount() {
        return steps.size();
    }

    @Override
    public String toString() {
        return "ImportedModel(" + source.getFileName() + ", input " + Arrays.toString(inputShape) + ", output "
                + Arrays.toString(outputShape) + ", " + steps.size() + " layer calls)";
    }
}
