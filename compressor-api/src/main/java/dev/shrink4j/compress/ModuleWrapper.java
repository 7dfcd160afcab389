package dev.shrink4j.compress;

import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * The compression state attached to one selected layer: buffers (masks, scales, observer ranges),
 * typed state ({@link StateKey}: observers, flags), and the hooks and parametrizations the compressor
 * installed on the module.
 *
 * <p>The wrapper is <em>attached</em>, not substituted: the module keeps its class, its fields and
 * its state-dict keys ({@code conv1.weight}); forward sees the compression through the
 * parametrizations and hooks recorded here. The wrapper owns its buffers (native tensors created
 * outside any step scope) and its state, and releases them, with every hook, in {@link #release()}.
 *
 * <p>Buffers and state differ in what they hold: buffers are tensors, saved under
 * {@code <layer>.<buffer>} in the compressor's state dict and checked on load; state is any other
 * per-layer object an algorithm keeps (the observers updating its buffers, "initialised" flags), never
 * saved, stored and read through typed keys so that no reader casts.
 */
public final class ModuleWrapper {

    private final LayerInfo layer;
    private final LayerConfig config;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<StateKey<?>, Object> state = new LinkedHashMap<>();
    private final List<HookHandle> handles = new ArrayList<>();
    private boolean released;

    /** A wrapper for {@code layer} configured by {@code config}. */
    public ModuleWrapper(LayerInfo layer, LayerConfig config) {
        this.layer = Objects.requireNonNull(layer);
        this.config = Objects.requireNonNull(config);
    }

    /** The layer's dotted name. */
    public String name() {
        return layer.name();
    }

    /** The wrapped module. */
    public Module module() {
        return layer.module();
    }

    /** The layer's type name. */
    public String type() {
        return layer.type();
    }

    /** The layer info. */
    public LayerInfo layer() {
        return layer;
    }

    /** The config entry this layer got. */
    public LayerConfig config() {
        return config;
    }

    /** The module's stored {@code weight} parameter (not parametrized). */
    public Tensor weight() {
        return requireParameter("weight");
    }

    /** The module's stored {@code bias} parameter, or null when it has none. */
    public Tensor bias() {
        return layer.module().getParameter("bias");
    }

    /** Whether the module has a {@code weight} parameter. */
    public boolean hasWeight() {
        return layer.module().getParameter("weight") != null;
    }

    private Tensor requireParameter(String name) {
        Tensor t = layer.module().getParameter(name);
        if (t == null) {
            throw new IllegalStateException(layer.name() + " (" + layer.type() + ") has no parameter \"" + name + "\"");
        }
        return t;
    }

    /**
     * Adds a buffer the wrapper owns: it survives any enclosing step scope and is released with the
     * wrapper. Update it in place ({@code copy_}) so its identity never changes.
     *
     * @return {@code tensor}
     */
    public Tensor registerBuffer(String name, Tensor tensor) {
        checkOpen();
        Objects.requireNonNull(tensor, () -> "buffer \"" + name + "\" is null");
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("invalid buffer name \"" + name + "\" on " + layer.name());
        }
        if (buffers.containsKey(name)) {
            throw new IllegalArgumentException(layer.name() + " already has buffer \"" + name + "\"");
        }
        tensor.retainReference();
        buffers.put(name, tensor);
        return tensor;
    }

    /** Whether buffer {@code name} exists. */
    public boolean hasBuffer(String name) {
        return buffers.containsKey(name);
    }

    /**
     * Buffer {@code name}.
     *
     * @throws IllegalArgumentException naming the layer and the buffers it has
     */
    public Tensor getBuffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(layer.name() + " has no buffer \"" + name + "\"; it has " + buffers.keySet());
        }
        return t;
    }

    /** The buffers by name, in registration order (live tensors). */
    public Map<String, Tensor> buffers() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(buffers));
    }

    /**
     * Stores {@code value} as this layer's state under {@code key}, replacing the value the key held.
     * The wrapper owns its state: a replaced value that is {@link AutoCloseable} is closed (unless it is
     * {@code value} itself), and so is every remaining one in {@link #release()}.
     *
     * @return {@code value}, so state is created and stored on one line
     * @throws IllegalArgumentException when the wrapper holds state under another key of the same name
     * @throws IllegalStateException    after {@link #release()}
     */
    public <T> T putState(StateKey<T> key, T value) {
        checkOpen();
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, () -> layer.name() + ": state " + key + " is null; removeState(key) unsets it");
        T checked = key.checked(value, layer.name());
        for (StateKey<?> k : state.keySet()) {
            if (k != key && k.name().equals(key.name())) {
                throw new IllegalArgumentException(layer.name() + " already has state " + k
                        + " under another key of that name; give each key its own name");
            }
        }
        Object previous = state.put(key, checked); // a replacement keeps the key's place in the listing
        if (previous != null && previous != checked) {
            RuntimeException failure = close(key, previous, null);
            if (failure != null) {
                throw failure;
            }
        }
        return checked;
    }

    /**
     * This layer's state under {@code key}.
     *
     * @throws IllegalStateException naming the layer, the key and the state it has, when unset; or
     *                               after {@link #release()}
     */
    public <T> T state(StateKey<T> key) {
        checkOpen();
        Object value = state.get(Objects.requireNonNull(key, "key"));
        if (value == null) {
            throw new IllegalStateException(layer.name() + " has no state " + key + "; it has "
                    + (state.isEmpty() ? "none" : state.keySet().toString()));
        }
        return key.type().cast(value);
    }

    /** This layer's state under {@code key}, or empty when unset (or released). */
    public <T> Optional<T> findState(StateKey<T> key) {
        return Optional.ofNullable(state.get(Objects.requireNonNull(key, "key"))).map(key.type()::cast);
    }

    /**
     * Removes the state under {@code key} and hands it back: the caller owns it again, so it is not
     * closed.
     *
     * @return the value removed, or empty when the key held none
     */
    public <T> Optional<T> removeState(StateKey<T> key) {
        return Optional.ofNullable(state.remove(Objects.requireNonNull(key, "key"))).map(key.type()::cast);
    }

    /** The keys this layer holds state under, in the order they were first set (for debugging and listings). */
    public Set<StateKey<?>> stateKeys() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(state.keySet()));
    }

    /** Records a hook or parametrization installed for this layer, so {@link #release()} removes it. */
    public HookHandle track(HookHandle handle) {
        checkOpen();
        handles.add(Objects.requireNonNull(handle));
        return handle;
    }

    /** Whether {@link #release()} has run. */
    public boolean isReleased() {
        return released;
    }

    /**
     * Removes every tracked hook and parametrization (newest first), closes the state values that are
     * {@link AutoCloseable} (in the reverse order of {@link #stateKeys()}; the buffers are still alive
     * then, so a value may use them while closing), drops all state and releases the buffers. The module is left exactly as it was
     * before wrapping. Idempotent. When a hook removal or a close fails, the rest still runs and the
     * first failure is thrown (later ones suppressed).
     */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        RuntimeException failure = null;
        for (int i = handles.size() - 1; i >= 0; i--) {
            try {
                handles.get(i).remove();
            } catch (RuntimeException e) {
                failure = first(failure, e);
            }
        }
        handles.clear();
        List<Map.Entry<StateKey<?>, Object>> values = new ArrayList<>(state.entrySet());
        state.clear();
        for (int i = values.size() - 1; i >= 0; i--) {
            failure = close(values.get(i).getKey(), values.get(i).getValue(), failure);
        }
        for (Tensor t : buffers.values()) {
            t.releaseReference();
        }
        buffers.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Closes {@code value} when it is {@link AutoCloseable}; returns the first failure so far. */
    private RuntimeException close(StateKey<?> key, Object value, RuntimeException failure) {
        if (!(value instanceof AutoCloseable c)) {
            return failure;
        }
        try {
            c.close();
            return failure;
        } catch (RuntimeException e) {
            return first(failure, e);
        } catch (Exception e) {
            return first(failure, new IllegalStateException(layer.name() + ": closing state " + key + " failed: "
                    + e.getMessage(), e));
        }
    }

    private static RuntimeException first(RuntimeException failure, RuntimeException e) {
        if (failure == null) {
            return e;
        }
        failure.addSuppressed(e);
        return failure;
    }

    private void checkOpen() {
        if (released) {
            throw new IllegalStateException("the wrapper of " + layer.name() + " has been released");
        }
    }

    @Override
    public String toString() {
        return "ModuleWrapper(" + layer.name() + ": " + layer.type() + ", config_list[" + config.index() + "])";
    }
}
