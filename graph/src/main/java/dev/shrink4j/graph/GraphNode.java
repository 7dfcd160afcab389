package dev.shrink4j.graph;

import dev.shrink4j.nn.Module;
import java.util.List;

/**
 * One node of a {@link ModelGraph}: the model's input, one call of a leaf module (a layer such as
 * {@code Conv2d}, or glue such as {@code Add}), or the model's output.
 *
 * <p>A module node is named by the module's dotted name ({@code layer1.0.conv1}); a module called more than
 * once gets one node per call, the second named {@code name#2} and so on. The input and output nodes are
 * {@value #INPUT_NAME} and {@value #OUTPUT_NAME}. Shapes are those of the traced example input.
 */
public final class GraphNode {

    /** The name of the model's input node. */
    public static final String INPUT_NAME = "<input>";
    /** The name of the model's output node. */
    public static final String OUTPUT_NAME = "<output>";

    /** What a node stands for. */
    public enum Kind {
        /** The example input given to the model. */
        INPUT,
        /** One call of a leaf module. */
        MODULE,
        /** What the model returned. */
        OUTPUT
    }

    private final int index;
    private final String name;
    private final String moduleName;
    private final Kind kind;
    private final Module module;
    private final int call;
    private List<Long> outputShape = List.of();

    GraphNode(int index, String name, String moduleName, Kind kind, Module module, int call) {
        this.index = index;
        this.name = name;
        this.moduleName = moduleName;
        this.kind = kind;
        this.module = module;
        this.call = call;
    }

    /** The position in {@link ModelGraph#nodes()}: the input is 0, module calls follow in call order, the output is last. */
    public int index() {
        return index;
    }

    /** The node's name: the module's dotted name, {@code name#k} for its k-th call (k ≥ 2), or the input/output names. */
    public String name() {
        return name;
    }

    /** The dotted name of the module called (without {@code #k}); the node name for the input and output. */
    public String moduleName() {
        return moduleName;
    }

    /** Input, module call or output. */
    public Kind kind() {
        return kind;
    }

    /** The module called, or null for the input and output nodes. */
    public Module module() {
        return module;
    }

    /** Which call of its module this node is, from 1; 0 for the input and output nodes. */
    public int call() {
        return call;
    }

    /** The layer type ({@code Conv2d}, {@code Add}), or {@code Input}/{@code Output}. */
    public String type() {
        return switch (kind) {
            case INPUT -> "Input";
            case OUTPUT -> "Output";
            case MODULE -> module.typeName();
        };
    }

    /** The shape of the tensor this node produced (for the output node, what the model returned). */
    public List<Long> outputShape() {
        return outputShape;
    }

    void setOutputShape(List<Long> shape) {
        this.outputShape = List.copyOf(shape);
    }

    @Override
    public String toString() {
        return name + " (" + type() + ")";
    }
}
