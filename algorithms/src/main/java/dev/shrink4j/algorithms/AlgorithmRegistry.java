package dev.shrink4j.algorithms;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The algorithms a config file can name, by kind and name. {@link #load()} holds every algorithm the
 * class path provides ({@link AlgorithmProvider}s found by {@link ServiceLoader}, shrink4j's own
 * {@link BuiltinAlgorithms} among them); {@link BuiltinAlgorithms#registry()} holds shrink4j's own only;
 * tests and applications may register more.
 */
public final class AlgorithmRegistry {

    private final Map<String, AlgorithmSpec> specs = new LinkedHashMap<>();

    /**
     * A registry of every provider's algorithms on the class path of this class's loader: shrink4j's own
     * first, then the others' in {@link ServiceLoader} order.
     *
     * @throws IllegalArgumentException when two providers register the same name
     */
    public static AlgorithmRegistry load() {
        return load(ServiceLoader.load(AlgorithmProvider.class, AlgorithmRegistry.class.getClassLoader()));
    }

    /**
     * A registry of the algorithms of {@code providers}, shrink4j's own ({@link BuiltinAlgorithms}) first
     * whatever the order they come in (so help texts list them first).
     *
     * @throws IllegalArgumentException when two providers register the same name
     */
    public static AlgorithmRegistry load(Iterable<AlgorithmProvider> providers) {
        List<AlgorithmProvider> ordered = new ArrayList<>();
        for (AlgorithmProvider p : providers) {
            if (p instanceof BuiltinAlgorithms) {
                ordered.add(0, p);
            } else {
                ordered.add(p);
            }
        }
        AlgorithmRegistry r = new AlgorithmRegistry();
        for (AlgorithmProvider p : ordered) {
            for (AlgorithmSpec spec : p.algorithms()) {
                try {
                    r.register(spec);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(e.getMessage() + " (again by " + p.getClass().getName() + ")", e);
                }
            }
        }
        return r;
    }

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
     * @throws AlgorithmException naming the unknown algorithm and the known ones
     */
    public AlgorithmSpec get(AlgorithmKind kind, String name) {
        AlgorithmSpec spec = specs.get(name);
        if (spec == null || spec.kind() != kind) {
            List<String> known = names(kind);
            throw new AlgorithmException("unknown " + kind.key() + " \"" + name + "\"; known " + kind.key() + "s: "
                    + (known.isEmpty() ? "(none available in this build)" : String.join(", ", known)));
        }
        return spec;
    }
}
