package dev.shrink4j.nn.optim;

import dev.shrink4j.nn.HookHandle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * An optimizer over a module's parameters with a list of {@link StepListener}s. {@link #step()} is
 * final: the {@link GradientHook}s, listeners' {@code beforeStep}, the algorithm's {@link #applyUpdate()},
 * listeners' {@code afterStep}. This replaces NNI's monkey-patched {@code optimizer.step}: listeners come and go
 * by handle, and the same optimizer keeps working for fine-tuning after a compressor is removed.
 *
 * <p><b>Listener semantics.</b> Listeners run in registration order. A listener removed during a step
 * (by itself or by another listener) is not called again, not even for the rest of that step; a
 * listener added during a step is first called on the next step. An exception thrown by a listener
 * propagates out of {@link #step()}: thrown from {@code beforeStep}, the parameters are left unchanged
 * and the step is not counted. {@link GradientHook}s follow the same rules and all run before the first
 * {@code beforeStep}.
 *
 * <p><b>Memory.</b> The optimizer's state (momentum buffers, Adam moments) is native memory owned by
 * the optimizer, not by any {@code PointerScope}; it survives the step scopes and is released by
 * {@link #close()}. The parameters themselves stay owned by their modules.
 */
public abstract class Optimizer implements AutoCloseable {

    private final Map<Long, StepListener> listeners = new LinkedHashMap<>();
    private final Map<Long, GradientHook> gradientHooks = new LinkedHashMap<>();
    private long nextListenerId;
    private long stepCount;
    private boolean closed;

    /** Performs one update of every parameter from its gradient. */
    protected abstract void applyUpdate();

    /** The parameter groups, each with its own learning rate, in the order they were added. */
    public abstract List<ParamGroup> paramGroups();

    /** Forgets the optimizer state (momentum buffers, Adam moments), as a freshly built optimizer. */
    public abstract void resetState();

    /**
     * Adds a parameter group with the options of the first group (PyTorch's
     * {@code add_param_group({"params": params})}, whose missing options come from the optimizer's
     * defaults): same momentum, weight decay, betas, … and the first group's current learning rate.
     * Compressors use it for parameters of their own that train with the model, such as LSQ's step
     * sizes. Later changes to the first group's learning rate do not propagate; use
     * {@link #setLearningRate} for all groups.
     *
     * @return this optimizer
     * @throws IllegalArgumentException if {@code params} is empty, holds a non-leaf tensor, or shares a
     *     parameter with an existing group
     */
    public abstract Optimizer addParamGroup(List<Tensor> params);

    /**
     * Removes parameter group {@code index}; the groups after it move down by one. The optimizer then
     * continues exactly as if the group had never been added: every other group keeps its parameters,
     * options and current learning rate, and every other parameter its state (momentum buffer, Adam
     * moments and step count); the removed parameters' state is dropped, and a {@link ParamGroup}
     * object of the removed group throws when used. Compressors use it to take back the group they
     * added (LSQ's step sizes). PyTorch has no such call ({@code del optimizer.param_groups[i]} leaves
     * the state of the removed parameters behind).
     *
     * @throws IllegalArgumentException when there is no group {@code index}
     * @throws IllegalStateException when it is the only group (an optimizer keeps at least one)
     */
    public abstract void removeParamGroup(int index);

    /**
     * Removes the parameter group whose parameters are exactly {@code params} (the same tensors, in the
     * same order); see {@link #removeParamGroup(int)}.
     *
     * @throws IllegalArgumentException when no group holds exactly these parameters
     */
    public final void removeParamGroup(List<Tensor> params) {
        Objects.requireNonNull(params, "params");
        List<ParamGroup> groups = paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            if (sameTensors(groups.get(i).params(), params)) {
                removeParamGroup(i);
                return;
            }
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter group holds exactly these "
                + params.size() + " parameter(s); the groups hold " + groups.stream().map(g -> g.params().size()).toList()
                + " parameters");
    }

    private static boolean sameTensors(List<Tensor> a, List<Tensor> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).is_same(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the gradient hooks, the before-listeners, the update, the after-listeners. The step is
     * counted between the update and the after-listeners: inside {@code beforeStep} {@link #stepCount()}
     * is the number of completed steps, inside {@code afterStep} it includes the current one.
     */
    public final void step() {
        checkOpen();
        for (Map.Entry<Long, GradientHook> hook : List.copyOf(gradientHooks.entrySet())) {
            if (gradientHooks.containsKey(hook.getKey())) {
                hook.getValue().processGradients(this);
            }
        }
        // Snapshot so listeners may add or remove listeners while we iterate.
        long[] ids = new long[listeners.size()];
        StepListener[] snapshot = new StepListener[ids.length];
        int n = 0;
        for (Map.Entry<Long, StepListener> e : listeners.entrySet()) {
            ids[n] = e.getKey();
            snapshot[n++] = e.getValue();
        }
        for (int i = 0; i < n; i++) {
            if (listeners.containsKey(ids[i])) {
                snapshot[i].beforeStep(this);
            }
        }
        applyUpdate();
        stepCount++;
        for (int i = 0; i < n; i++) {
            if (listeners.containsKey(ids[i])) {
                snapshot[i].afterStep(this);
            }
        }
    }

    /**
     * Adds a listener; closing the handle removes it (idempotent). Listeners run in registration
     * order; the same listener added twice runs twice and has two handles.
     */
    public final HookHandle addStepListener(StepListener listener) {
        checkOpen();
        long id = nextListenerId++;
        listeners.put(id, Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(id);
    }

    /**
     * Adds a gradient hook, run at the start of every {@link #step()} before every listener; closing the
     * handle removes it (idempotent). Hooks run in registration order.
     */
    public final HookHandle addGradientHook(GradientHook hook) {
        checkOpen();
        long id = nextListenerId++;
        gradientHooks.put(id, Objects.requireNonNull(hook, "hook"));
        return () -> gradientHooks.remove(id);
    }

    /** The number of gradient hooks currently registered. */
    public final int gradientHookCount() {
        return gradientHooks.size();
    }

    /** The number of listeners currently registered. */
    public final int stepListenerCount() {
        return listeners.size();
    }

    /** How many times {@link #step()} has completed its update (not reset by {@link #resetState()}). */
    public final long stepCount() {
        return stepCount;
    }

    /**
     * Zeroes the gradient of every parameter in every group, in place (PyTorch's
     * {@code zero_grad(set_to_none=False)}: gradient tensors keep their identity, which gradient hooks
     * and masks may rely on).
     */
    public void zeroGrad() {
        checkOpen();
        for (ParamGroup g : paramGroups()) {
            for (Tensor p : g.params()) {
                Tensor grad = p.grad();
                if (grad.defined()) {
                    grad.zero_();
                }
            }
        }
    }

    /** The learning rate of the first group. */
    public double learningRate() {
        return paramGroups().get(0).learningRate();
    }

    /**
     * Sets the learning rate of every group; the next {@link #step()} uses it. To keep different rates
     * per group, call {@link ParamGroup#setLearningRate} on each group instead.
     *
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    public void setLearningRate(double lr) {
        checkLearningRate(getClass().getSimpleName() + ": learning rate", lr);
        for (ParamGroup g : paramGroups()) {
            g.setLearningRate(lr);
        }
    }

    /** Whether {@link #close()} has run. */
    public final boolean isClosed() {
        return closed;
    }

    /** Throws if the optimizer was closed, naming it. */
    protected final void checkOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " has been closed");
        }
    }

    /**
     * Removes every listener and gradient hook and marks the optimizer closed; subclasses release their
     * native state too. Idempotent. The parameters are not touched.
     */
    @Override
    public void close() {
        closed = true;
        listeners.clear();
        gradientHooks.clear();
    }

    /** Rejects a negative, NaN or infinite learning rate; {@code what} names it in the message. */
    static void checkLearningRate(String what, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(what + " must be finite and non-negative, got " + lr);
        }
    }
}
