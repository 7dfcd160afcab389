package dev.shrink4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The base of every layer and model: PyTorch's {@code nn.Module} as a plain Java object.
 *
 * <p>A module owns its parameters and buffers (native tensors created outside any step scope and
 * released by {@link #close()}), holds its children in insertion order, and derives dotted names
 * ({@code layer1.0.conv1.weight}) while walking the tree, so state dicts use PyTorch's keys.
 *
 * <p>{@link #call(Tensor)} runs forward pre-hooks, {@link #forward(Tensor)} and forward hooks;
 * subclasses override only {@code forward}. Layers read weights through {@link #parametrized(String)}
 * so that a compressor can attach a {@link Parametrization} (mask, fake quantization) from outside:
 * a model's code never knows it is being compressed, its class and state-dict keys stay the same.
 *
 * <p>Parameters and buffers keep their identity for the module's life: updates are in place
 * ({@code copy_}, {@code mul_}), which is what optimizers and hooks rely on.
 */
public abstract class Module implements AutoCloseable {

    static {
        NativeDefaults.apply(); // before any layer computes: see NativeDefaults for why
    }

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistentBuffers = new HashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<Long, ForwardPreHook> forwardPreHooks = new LinkedHashMap<>();
    private final Map<Long, ForwardHook> forwardHooks = new LinkedHashMap<>();
    private final Map<String, Map<Long, Parametrization>> parametrizations = new LinkedHashMap<>();
    private long nextHookId;
    private boolean training = true;
    private boolean closed;

    /** Computes the output; called by {@link #call(Tensor)} between the hooks. */
    protected abstract Tensor forward(Tensor input);

    /**
     * Runs the module: forward pre-hooks (each may replace the input), {@link #forward(Tensor)},
     * then forward hooks (each may replace the output). Without hooks it is just forward.
     */
    public final Tensor call(Tensor input) {
        if (forwardPreHooks.isEmpty() && forwardHooks.isEmpty()) {
            return forward(input);
        }
        Tensor x = input;
        for (ForwardPreHook hook : List.copyOf(forwardPreHooks.values())) {
            x = Objects.requireNonNull(hook.apply(this, x), "forward pre-hook returned null");
        }
        Tensor y = forward(x);
        for (ForwardHook hook : List.copyOf(forwardHooks.values())) {
            y = Objects.requireNonNull(hook.apply(this, x, y), "forward hook returned null");
        }
        return y;
    }

    // ---------------------------------------------------------------- registration

    /**
     * Registers a trainable parameter. The module takes ownership: the tensor survives any
     * enclosing {@code PointerScope} and is released by {@link #close()}. Sets {@code requires_grad}.
     *
     * @return {@code tensor}, so a field is declared and registered on one line
     */
    protected final Tensor registerParameter(String name, Tensor tensor) {
        checkNewName(name, "parameter");
        Objects.requireNonNull(tensor, () -> "parameter \"" + name + "\" is null");
        tensor.retainReference();
        tensor.requires_grad_(true);
        parameters.put(name, tensor);
        return tensor;
    }

    /** Registers a persistent buffer (saved in the state dict); see {@link #registerBuffer(String, Tensor, boolean)}. */
    protected final Tensor registerBuffer(String name, Tensor tensor) {
        return registerBuffer(name, tensor, true);
    }

    /**
     * Registers a buffer: state that is not trained (running statistics, counters). A
     * non-persistent buffer stays out of {@link #stateDict()}. The module owns the tensor.
     *
     * @return {@code tensor}
     */
    protected final Tensor registerBuffer(String name, Tensor tensor, boolean persistent) {
        checkNewName(name, "buffer");
        Objects.requireNonNull(tensor, () -> "buffer \"" + name + "\" is null");
        tensor.retainReference();
        buffers.put(name, tensor);
        if (!persistent) {
            nonPersistentBuffers.add(name);
        }
        return tensor;
    }

    /**
     * Registers a child module under {@code name}; its parameters appear as {@code name.…}.
     *
     * @return {@code module}, so a typed field is declared and registered on one line
     */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkNewName(name, "module");
        Objects.requireNonNull(module, () -> "module \"" + name + "\" is null");
        if (module == this) {
            throw new IllegalArgumentException("module \"" + name + "\" cannot be its own child");
        }
        children.put(name, module);
        return module;
    }

    /**
     * Puts {@code replacement} in the place of the child registered as {@code name} (same key, same position, so
     * state-dict order is kept): PyTorch's {@code setattr(parent, name, new)} for a registered child, how a
     * structural compressor swaps a layer for a smaller or factorised one. Fields of a subclass that hold the old
     * child are not touched (Java has no attribute table to rebind them); the caller rebinds them, or the subclass
     * reads its children through {@link #getSubmodule(String)}.
     *
     * @return the child that was there, still open: the caller closes it when nothing uses it any more
     * @throws IllegalArgumentException when there is no child {@code name}, or {@code replacement} is null or this module
     */
    public final Module replaceChild(String name, Module replacement) {
        Module old = children.get(name);
        if (old == null) {
            throw new IllegalArgumentException(typeName() + " has no child \"" + name + "\" to replace");
        }
        Objects.requireNonNull(replacement, () -> "replacement for child \"" + name + "\" is null");
        if (replacement == this) {
            throw new IllegalArgumentException("module \"" + name + "\" cannot be its own child");
        }
        children.put(name, replacement); // an existing key keeps its place in a LinkedHashMap
        return old;
    }

    /**
     * Unregisters this module's own parameter {@code name} and releases the module's reference to it: for a layer
     * whose superclass registered a parameter it does not have (a factorised layer holds its weights in children).
     *
     * @throws IllegalArgumentException when there is no such parameter
     * @throws IllegalStateException    when a parametrization is attached to it
     */
    protected final void removeParameter(String name) {
        if (!parameters.containsKey(name)) {
            throw new IllegalArgumentException(typeName() + " has no parameter \"" + name + "\" to remove");
        }
        if (parametrizations.containsKey(name)) {
            throw new IllegalStateException("cannot remove parameter \"" + name + "\" of " + typeName()
                    + ": a parametrization is attached to it");
        }
        parameters.remove(name).releaseReference();
    }

    private void checkNewName(String name, String kind) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(kind + " name cannot be empty");
        }
        if (name.contains(".")) {
            throw new IllegalArgumentException(kind + " name \"" + name + "\" cannot contain \".\"");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(
                    "cannot register " + kind + " \"" + name + "\": " + typeName() + " already has an attribute of that name");
        }
    }

    /**
     * Replaces the values of parameter or buffer {@code name} by {@code value}, which may have another shape:
     * how layers shrink in physical pruning. The stored {@code Tensor} object keeps its identity: its handle is
     * rebound (C++ {@code operator=}) to a fresh leaf sharing {@code value}'s storage, with the old
     * {@code requires_grad}, no gradient and no autograd history, so the state-dict key and the layer's own
     * references see the new values and a later backward never meets metadata of the old shape (which
     * {@code set_data} would keep while an old graph is alive). Native code that copied the old handle, such as
     * an optimizer built before, keeps the old tensor: build a new optimizer afterwards.
     *
     * @throws IllegalArgumentException when there is no such parameter or buffer, or the dtype differs
     * @throws IllegalStateException    when a parametrization is attached to it (its mask has the old shape)
     */
    protected final void replaceData(String name, Tensor value) {
        Tensor current = parameters.containsKey(name) ? parameters.get(name) : buffers.get(name);
        if (current == null) {
            throw new IllegalArgumentException(typeName() + " has no parameter or buffer \"" + name + "\"");
        }
        if (parametrizations.containsKey(name)) {
            throw new IllegalStateException("cannot resize " + typeName() + "." + name
                    + " while a parametrization is attached to it: remove the compressor's wrapper first");
        }
        String dtype = TensorChecks.dtypeMismatch(value, "the new value", current, name);
        if (dtype != null) {
            throw new IllegalArgumentException(typeName() + "." + name + ": " + dtype);
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor fresh = value.detach();
            fresh.requires_grad_(current.requires_grad());
            current.put(fresh);
        }
    }

    // ---------------------------------------------------------------- hooks and parametrizations

    /** Adds a hook that runs before forward, after those already attached; closing the handle removes it. */
    public final HookHandle registerForwardPreHook(ForwardPreHook hook) {
        return registerForwardPreHook(hook, false);
    }

    /**
     * Adds a hook that runs before forward, first of all when {@code prepend} (PyTorch's
     * {@code register_forward_pre_hook(hook, prepend=True)}), else after those already attached. A hook that must
     * see the input as the caller passed it, before another pre-hook replaces it (a graph tracer before a
     * quantizer's input quantization), prepends. Closing the handle removes it.
     */
    public final HookHandle registerForwardPreHook(ForwardPreHook hook, boolean prepend) {
        Objects.requireNonNull(hook);
        long id = nextHookId++;
        if (prepend) {
            Map<Long, ForwardPreHook> rest = new LinkedHashMap<>(forwardPreHooks);
            forwardPreHooks.clear();
            forwardPreHooks.put(id, hook);
            forwardPreHooks.putAll(rest);
        } else {
            forwardPreHooks.put(id, hook);
        }
        return () -> forwardPreHooks.remove(id);
    }

    /** Adds a hook that runs after forward; closing the handle removes it. */
    public final HookHandle registerForwardHook(ForwardHook hook) {
        long id = nextHookId++;
        forwardHooks.put(id, Objects.requireNonNull(hook));
        return () -> forwardHooks.remove(id);
    }

    /**
     * Attaches a transform to parameter {@code name}: forward then computes with
     * {@code p(original)} (chained in registration order when several are attached). The stored
     * parameter and its state-dict key are untouched. Closing the handle detaches it.
     */
    public final HookHandle registerParametrization(String name, Parametrization parametrization) {
        if (!parameters.containsKey(name)) {
            throw new IllegalArgumentException(
                    typeName() + " has no parameter \"" + name + "\" to parametrize; it has " + parameters.keySet());
        }
        long id = nextHookId++;
        parametrizations.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(id, Objects.requireNonNull(parametrization));
        return () -> {
            Map<Long, Parametrization> chain = parametrizations.get(name);
            if (chain != null) {
                chain.remove(id);
                if (chain.isEmpty()) {
                    parametrizations.remove(name);
                }
            }
        };
    }

    /** Whether parameter {@code name} has a parametrization attached. */
    public final boolean isParametrized(String name) {
        return parametrizations.containsKey(name);
    }

    /** The names of this module's own parameters that have a parametrization attached, in attach order. */
    public final Set<String> parametrizedNames() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(parametrizations.keySet()));
    }

    /** How many forward pre-hooks are attached to this module (not its children). */
    public final int forwardPreHookCount() {
        return forwardPreHooks.size();
    }

    /** How many forward hooks are attached to this module (not its children). */
    public final int forwardHookCount() {
        return forwardHooks.size();
    }

    /**
     * The value forward computes with: the stored parameter passed through its parametrizations, or
     * the stored parameter itself when none is attached. Layers call this in forward.
     */
    public final Tensor parametrized(String name) {
        Tensor value = parameters.get(name);
        if (value == null) {
            throw new IllegalArgumentException(typeName() + " has no parameter \"" + name + "\"");
        }
        Map<Long, Parametrization> chain = parametrizations.get(name);
        if (chain != null) {
            for (Parametrization p : chain.values()) {
                value = p.apply(value);
            }
        }
        return value;
    }

    // ---------------------------------------------------------------- access

    /** This module's own parameter {@code name}, or null. */
    public final Tensor getParameter(String name) {
        return parameters.get(name);
    }

    /** This module's own buffer {@code name}, or null. */
    public final Tensor getBuffer(String name) {
        return buffers.get(name);
    }

    /** The direct children, in registration order (a copy). */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(children));
    }

    /**
     * The submodule at a dotted path ({@code "layer1.0.conv1"}); {@code ""} is this module.
     *
     * @throws IllegalArgumentException naming the first missing segment
     */
    public final Module getSubmodule(String path) {
        if (path.isEmpty()) {
            return this;
        }
        Module current = this;
        StringBuilder walked = new StringBuilder();
        for (String part : path.split("\\.")) {
            Module next = current.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException("no submodule \"" + path + "\": " + current.typeName()
                        + (walked.length() == 0 ? "" : " at \"" + walked + "\"") + " has no child \"" + part + "\"");
            }
            if (walked.length() > 0) {
                walked.append('.');
            }
            walked.append(part);
            current = next;
        }
        return current;
    }

    /** Every module in the tree, depth first, keyed by dotted name; this module is {@code ""}. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collectModules(join(prefix, e.getKey()), out);
        }
    }

    /** Every parameter in the tree by dotted name, in state-dict order. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((prefix, m) -> m.parameters.forEach((n, t) -> out.put(join(prefix, n), t)));
        return out;
    }

    /** Every buffer in the tree (persistent or not) by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((prefix, m) -> m.buffers.forEach((n, t) -> out.put(join(prefix, n), t)));
        return out;
    }

    /** The parameters of the whole tree, in state-dict order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** The number of scalar parameters in the tree. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.numel();
        }
        return n;
    }

    /**
     * The state dict: for each module depth first, its parameters then its persistent buffers, keyed
     * by dotted name (PyTorch's order and names). The tensors are the live ones, not copies.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((prefix, m) -> {
            m.parameters.forEach((n, t) -> out.put(join(prefix, n), t));
            m.buffers.forEach((n, t) -> {
                if (!m.nonPersistentBuffers.contains(n)) {
                    out.put(join(prefix, n), t);
                }
            });
        });
        return out;
    }

    /**
     * Copies values from {@code source} into this module's parameters and buffers (in place, so
     * optimizers and hooks keep their references). Every problem is collected first: with
     * {@code strict}, missing and unexpected keys, shape and dtype mismatches and tensors holding NaN
     * or infinite values all go into one {@link StateDictException}; without it, the mismatches and
     * non-finite values still throw and the rest is returned. Nothing is copied when it throws. A
     * dtype mismatch is an error rather than a cast (PyTorch casts silently): a float64 or float16
     * checkpoint would otherwise load as something it is not.
     */
    public final StateDictLoadResult loadStateDict(Map<String, Tensor> source, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> dtypes = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = source.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
                continue;
            }
            if (!java.util.Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint has shape " + java.util.Arrays.toString(src.shape())
                        + ", the model has " + java.util.Arrays.toString(e.getValue().shape()));
            }
            String dtype = TensorChecks.dtypeMismatch(src, "checkpoint", e.getValue(), "the model");
            if (dtype != null) {
                dtypes.add(e.getKey() + ": " + dtype);
            }
            String finite = TensorChecks.nonFinite(src);
            if (finite != null) {
                invalid.add(e.getKey() + ": " + finite);
            }
        }
        for (String key : source.keySet()) {
            if (!own.containsKey(key)) {
                unexpected.add(key);
            }
        }
        if (!mismatched.isEmpty() || !dtypes.isEmpty() || !invalid.isEmpty()
                || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            throw new StateDictException(typeName(), missing, unexpected, mismatched, dtypes, invalid);
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = source.get(e.getKey());
                if (src != null) {
                    e.getValue().copy_(src);
                }
            }
        }
        return new StateDictLoadResult(missing, unexpected);
    }

    // ---------------------------------------------------------------- mode and lifecycle

    /** Sets training mode on the whole tree (dropout active, batch norm uses batch statistics). */
    public Module train(boolean on) {
        for (Module m : namedModules().values()) {
            m.training = on;
        }
        return this;
    }

    /** Training mode. */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode. */
    public final Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Runs {@code action} on every module of the tree, depth first. */
    public final void apply(Consumer<Module> action) {
        namedModules().values().forEach(action);
    }

    /** Clears the gradients of every parameter (sets them to zero where they exist). */
    public final void zeroGrad() {
        for (Tensor p : parameters()) {
            Tensor g = p.grad();
            if (g.defined()) {
                g.zero_();
            }
        }
    }

    /** The layer's type name as config lists match it ({@code "Conv2d"}). */
    public String typeName() {
        return getClass().getSimpleName();
    }

    /**
     * Releases the native memory of every parameter and buffer in the tree. The module cannot be
     * used afterwards. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Module child : children.values()) {
            child.close();
        }
        for (Tensor t : parameters.values()) {
            t.releaseReference();
        }
        for (Tensor t : buffers.values()) {
            t.releaseReference();
        }
    }

    /**
     * A one-line description as PyTorch's {@code repr} prints a layer, {@code typeName() + "(" + extraRepr() + ")"},
     * e.g. {@code Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(0, 0))}.
     */
    @Override
    public String toString() {
        return typeName() + "(" + extraRepr() + ")";
    }

    /**
     * The layer's arguments inside the parentheses of {@link #toString()} (PyTorch's {@code extra_repr}); empty
     * here, layers with arguments override it.
     */
    protected String extraRepr() {
        return "";
    }

    /** A boolean as Python prints it ({@code True}, {@code False}), for {@link #extraRepr()}. */
    protected static String pythonBool(boolean value) {
        return value ? "True" : "False";
    }

    /** Two or more values as a Python tuple ({@code (3, 3)}), for {@link #extraRepr()}. */
    protected static String pythonTuple(long... values) {
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) {
            out.append(i == 0 ? "" : ", ").append(values[i]);
        }
        return out.append(')').toString();
    }

    static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
