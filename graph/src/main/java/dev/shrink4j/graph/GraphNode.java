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
 *
 * @param index       the position in {@link ModelGraph#nodes()}: the input is 0, module calls follow in call
 *                    order, the output is last
 * @param name        the node's name: the module's dotted name, {@code name#k} for its k-th call (k ≥ 2), or
 *                    the input/output names
 * @param moduleName  the dotted name of the module called (without {@code #k}); the node name for the input
 *                    and output
 * @param kind        input, module call or output
 * @param module      the module called, or null for the input and output nodes
 * @param call        which call of its module this node is, from 1; 0 for the input and output nodes
 * @param outputShape the shape of the tensor this node produced (for the output node, what the model
 *                    returned)
 */
public record GraphNode(int index, String name, String moduleName, Kind kind, Module module, int call,
        List<Long> outputShape) {

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

    /** Copies the shape. */
    public GraphNode {
        outputShape = List.copyOf(outputShape);
    }

    /** The layer type ({@code Conv2d}, {@code Add}), or {@code Input}/{@code Output}. */
    public String type() {
        return switch (kind) {
            case INPUT -> "Input";
            case OUTPUT -> "Output";
            case MODULE -> module.typeName();
        };
    }

    @Override
    public String toString() {
        return name + " (" + type() + ")";
    }
}
