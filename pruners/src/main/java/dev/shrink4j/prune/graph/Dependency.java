package dev.shrink4j.prune.graph;

import java.util.Objects;

/**
 * An edge of the dependency graph: pruning output channel {@code c} of {@code trigger} requires
 * pruning output channel {@code c} of {@code handler}, because both outputs reach {@code via}
 * channel-aligned (combined element-wise). Symmetric in meaning; stored once.
 *
 * @param trigger the node whose channels are pruned
 * @param handler the node that must prune the same channels
 * @param via     where the two outputs meet: the consuming layer's name, {@code <output>} for the
 *                model's output, or {@code declared} when the model declared the dependency
 */
public record Dependency(Node trigger, Node handler, String via) {

    public Dependency {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(via, "via");
    }

    @Override
    public String toString() {
        return trigger.name() + " ⇒ " + handler.name() + " (via " + via + ")";
    }
}
