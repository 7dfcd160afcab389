package dev.shrink4j.graph;

import java.util.List;

/**
 * A model could not be traced into a faithful {@link ModelGraph}: some tensor a module consumes (or the
 * model returns) was computed by an operation no module accounts for, such as a raw {@code x.add(y)} in a
 * parent's forward. The message names every such input, the module it feeds and the operations found in
 * the autograd graph; {@link #problems()} lists them one per entry.
 */
public class TraceException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    /** An exception about {@code model} listing {@code problems}. */
    public TraceException(String model, List<String> problems) {
        super("cannot trace " + model + ": " + problems.size() + (problems.size() == 1 ? " input is" : " inputs are")
                + " computed outside any module (do the operation in a module, e.g. dev.shrink4j.nn.layers.Add, Concat,"
                + " ChannelPad or Flatten, so the tracer sees it):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** A trace that failed for another reason ({@code message} says which), with its cause. */
    public TraceException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(message);
    }

    /** One line per problem, each naming the consuming module (or {@code <output>}) and the input. */
    public List<String> problems() {
        return problems;
    }
}
