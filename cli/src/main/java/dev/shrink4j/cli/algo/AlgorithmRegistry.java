package dev.shrink4j.cli.algo;

import dev.shrink4j.cli.UsageException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The algorithms a config file can name, by kind and name. {@link BuiltinAlgorithms#registry()} holds
 * shrink4j's own; tests and applications may register more.
 */
public final class AlgorithmRegistry {

    private final Map<String, AlgorithmSpec> specs = new LinkedHashMap<>();

    /**
     * Adds an entry.
     *
     * @throws IllegalArgumentException when the name is taken
     */
    public AlgorithmRegistry register(AlgorithmSpec spec) {
        if (specs.containsKey(spec.name())) {
            throw new IllegalArgumentException("algorithm \"" + spec.name() + "\" is already registered");
        }
        specs.put(spec.name(), spec);
        return this;
    }

    /** Every entry, in registration order. */
    public Collection<AlgorithmSpec> all() {
        return Collections.unmodifiableCollection(specs.values());
    }

    /** The names of the entries of {@code kind}, in registration order. */
    public List<String> names(AlgorithmKind kind) {
        List<String> out = new ArrayList<>();
        specs.values().stream().filter(s -> s.kind() == kind).forEach(s -> out.add(s.name()));
        return out;
    }

    /**
     * The entry of {@code kind} named {@code name}.
     *
     * @throws UsageException naming the unknown algorithm and the known ones
     */
    public AlgorithmSpec get(AlgorithmKind kind, String name) {
        AlgorithmSpec spec = specs.get(name);
        if (spec == null || spec.kind() != kind) {
            List<String> known = names(kind);
            throw new UsageException("unknown " + kind.key() + " \"" + name + "\"; known " + kind.key() + "s: "
                    + (known.isEmpty() ? "(none available in this build)" : String.join(", ", known)));
        }
        return spec;
    }
}
