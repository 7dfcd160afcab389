package dev.shrink4j.graph;

import java.util.List;

/**
 * A tensor passed from one node of a {@link ModelGraph} to another: {@code source}'s output is
 * {@code target}'s input number {@code inputIndex} (0 for single-input modules; the operand position for
 * {@code Add}/{@code Concat}), with the tensor's shape.
 *
 * @param source     the node that produced the tensor
 * @param target     the node that consumed it
 * @param inputIndex which input of {@code target} it is
 * @param shape      the tensor's shape in the trace
 */
public record GraphEdge(GraphNode source, GraphNode target, int inputIndex, List<Long> shape) {

    /** Copies the shape. */
    public GraphEdge {
        shape = List.copyOf(shape);
    }

    @Override
    public String toString() {
        return source.name() + " -> " + target.name() + "[" + inputIndex + "] " + shape;
    }
}
