package dev.shrink4j.compress;

import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * The compression state attached to one selected layer: buffers (masks, scales, observer ranges),
 * plain attributes, and the hooks and parametrizations the compressor installed on the module.
 *
 * <p>The wrapper is <em>attached</em>, not substituted: the module keeps its class, its fields and
 * its state-dict keys ({@code conv1.weight}); forward sees the compression through the
 * parametrizations and hooks recorded here. The wrapper owns its buffers (native tensors created
 * outside any step scope) and releases them, with every hook, in {@link #release()}.
 */
public final class ModuleWrapper {

    private final LayerInfo layer;
    private final LayerConfig config;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Object> attributes = new LinkedHashMap<>();
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

    /** Sets a plain (non-tensor) attribute, e.g. a step counter or a per-layer option. */
    public void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    /** A plain attribute, or null when unset. */
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    /** The plain attributes (a copy). */
    public Map<String, Object> attributes() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
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
     * Removes every tracked hook and parametrization (newest first), releases the buffers and drops
     * the attributes (observers over those buffers among them). The module is left exactly as it was
     * before wrapping. Idempotent.
     */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        for (int i = handles.size() - 1; i >= 0; i--) {
            handles.get(i).remove();
        }
        handles.clear();
        for (Tensor t : buffers.values()) {
            t.releaseReference();
        }
        buffers.clear();
        attributes.clear();
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
