package dev.shrink4j.compress;

import java.util.Objects;
import org.bytedeco.javacpp.Pointer;

/**
 * The key of one piece of per-layer state on a {@link ModuleWrapper}: a name for messages and
 * listings, and the type of the value it holds (as Netty's {@code AttributeKey} or Guice's
 * {@code Key}).
 *
 * <p><b>Why typed keys.</b> Per-layer state used to be {@code setAttribute(String, Object)}: every
 * reader cast what it got back, a misspelt name read as "unset", and two algorithms choosing the same
 * string shared state without knowing. A key is declared once, next to the code that owns the state
 * ({@code private static final StateKey<LsqLayerState> STATE = StateKey.of("lsq", LsqLayerState.class)}),
 * and {@link ModuleWrapper#putState} / {@link ModuleWrapper#state} are typed by it: the compiler checks
 * what goes in and what comes out, no caller casts, and only code that can see the key can reach the
 * state.
 *
 * <p>Keys compare by identity, not by name: two keys created with the same name are different keys.
 * A wrapper nevertheless refuses a second key with a name it already holds, so its
 * {@link ModuleWrapper#stateKeys() listing} stays unambiguous.
 *
 * <p>Native tensors are not state: a {@link Pointer} type is refused, because a tensor that outlives a
 * step belongs in a wrapper buffer ({@link ModuleWrapper#registerBuffer}), which is retained, saved in
 * the compressor's state dict, checked on load and released with the wrapper. State is what buffers
 * cannot be: observers over buffers, flags, counters, objects that own their native memory and close it.
 *
 * @param <T> the type of the value
 */
public final class StateKey<T> {

    private final String name;
    private final Class<T> type;

    private StateKey(String name, Class<T> type) {
        this.name = name;
        this.type = type;
    }

    /**
     * A new key.
     *
     * @param name what listings and messages call the state, in snake_case like every name in
     *             shrink4j ({@code "activation_observers"})
     * @param type the value's class
     * @throws IllegalArgumentException when the name is empty or the type is a native pointer (a tensor)
     */
    public static <T> StateKey<T> of(String name, Class<T> type) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a state key needs a name, got \"" + name + "\"");
        }
        if (Pointer.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("state \"" + name + "\" of type " + type.getSimpleName()
                    + " would hold native memory; register a tensor as a wrapper buffer (ModuleWrapper.registerBuffer),"
                    + " which is saved, loaded and released with the wrapper");
        }
        return new StateKey<>(name, type);
    }

    /** The name listings and messages use. */
    public String name() {
        return name;
    }

    /** The class of the values this key holds. */
    public Class<T> type() {
        return type;
    }

    /**
     * {@code value} as a {@code T}: a no-op for callers that kept to the generic types, a clear error
     * for one that went around them with a raw key.
     */
    T checked(Object value, String layer) {
        if (!type.isInstance(value)) {
            throw new ClassCastException(layer + ": state " + this + " cannot hold a " + value.getClass().getName());
        }
        return type.cast(value);
    }

    /** {@code "<name>" (<Type>)}, as messages quote a key. */
    @Override
    public String toString() {
        return "\"" + name + "\" (" + type.getSimpleName() + ")";
    }
}
