package dev.shrink4j.distill.config;

import com.google.gson.JsonElement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The config types of one kind of entry (losses, connectors, recorders): each MMRazor type name with the
 * reader that builds the entry from its config object, in the order they were added. {@link #build} picks
 * the reader by the entry's {@code "type"}, then reports the keys no reader asked for:
 *
 * <pre>{@code
 * TypeRegistry<Recorder> recorders = new TypeRegistry<Recorder>("recorder", " recorder")
 *         .add("Parameter", r -> new ParameterRecorder(r.requiredString("source")));
 * Recorder rec = recorders.build("student_recorders.conv1", entry, errors);
 * }</pre>
 *
 * @param <T> what the entries build
 */
public final class TypeRegistry<T> {

    private final String kind;
    private final String suffix;
    private final Map<String, Function<ConfigReader, ? extends T>> readers = new LinkedHashMap<>();

    /**
     * @param kind   what the entries are, for an unknown type ({@code loss}: {@code unknown loss "x"; known losses: …})
     * @param suffix appended to the type in the unknown-key message ({@code " recorder"}), or {@code ""}
     */
    public TypeRegistry(String kind, String suffix) {
        this.kind = kind;
        this.suffix = suffix;
    }

    /**
     * Adds type {@code type}, built by {@code reader} (which reads its options from the entry and returns
     * null when it found problems).
     *
     * @throws IllegalArgumentException when {@code type} was added before
     */
    public TypeRegistry<T> add(String type, Function<ConfigReader, ? extends T> reader) {
        if (readers.putIfAbsent(type, reader) != null) {
            throw new IllegalArgumentException(kind + " type \"" + type + "\" is registered twice");
        }
        return this;
    }

    /** The type names, in the order they were added. */
    public List<String> types() {
        return List.copyOf(readers.keySet());
    }

    /**
     * Builds the entry at {@code path} whose {@code "type"} picks its reader, then reports its unknown keys
     * ({@code … for <type><suffix>}); every problem goes to {@code errors}.
     *
     * @return the entry, or null when there were problems
     */
    public T build(String path, JsonElement config, List<String> errors) {
        int before = errors.size();
        ConfigReader r = ConfigReader.of(path, config, errors);
        if (errors.size() > before) {
            return null;
        }
        String type = r.requiredString("type");
        if (type == null) {
            return null;
        }
        Function<ConfigReader, ? extends T> reader = readers.get(type);
        if (reader == null) {
            r.error("type", "unknown " + kind + " \"" + type + "\"; known " + kind + (kind.endsWith("s") ? "es" : "s") + ": "
                    + String.join(", ", readers.keySet()));
            return null;
        }
        T built = reader.apply(r);
        r.finish(type + suffix);
        return errors.size() > before ? null : built;
    }
}
