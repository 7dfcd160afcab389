package dev.shrink4j.graph.speedup;

import java.util.List;

/**
 * Masks that {@link ModelSpeedup} cannot turn into a smaller model: keys that name no layer, masks of the
 * wrong shape or with values other than 0 and 1, a filter removed in one layer of a dependency group and
 * kept in another, a pinned channel removed, a layer left without channels. Every problem is found before
 * anything changes, so the model is exactly as it was; {@link #problems()} lists them one per entry, each
 * naming the mask key or layer.
 */
public class SpeedupException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    /** An exception about {@code model} listing {@code problems}. */
    public SpeedupException(String model, List<String> problems) {
        super("cannot speed up " + model + " with these masks (the model is unchanged):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem. */
    public List<String> problems() {
        return problems;
    }
}
