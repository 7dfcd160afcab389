package dev.shrink4j.nn.optim;

import dev.shrink4j.nn.HookHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * An optimizer over a module's parameters with a list of {@link StepListener}s. {@link #step()} is
 * final: listeners' {@code beforeStep}, the algorithm's {@link #applyUpdate()}, listeners'
 * {@code afterStep}. This replaces NNI's monkey-patched {@code optimizer.step}: listeners come and go
 * by handle, and the same optimizer keeps working for fine-tuning after a compressor is removed.
 *
 * <p>The optimizer's state (momentum, Adam moments) lives in libtorch and is owned by the optimizer;
 * {@link #close()} releases it.
 */
public abstract class Optimizer implements AutoCloseable {

    private final Map<Long, StepListener> listeners = new LinkedHashMap<>();
    private long nextListenerId;
    private long stepCount;

    /** Performs one update of every parameter from its gradient. */
    protected abstract void applyUpdate();

    /** The parameter groups, each with its own learning rate. */
    public abstract List<ParamGroup> paramGroups();

    /** Forgets the optimizer state (momentum buffers, Adam moments), as a freshly built optimizer. */
    public abstract void resetState();

    /** Runs before-listeners, the update, after-listeners; counts the step. */
    public final void step() {
        List<StepListener> snapshot = new ArrayList<>(listeners.values());
        for (StepListener l : snapshot) {
            l.beforeStep(this);
        }
        applyUpdate();
        stepCount++;
        for (StepListener l : snapshot) {
            l.afterStep(this);
        }
    }

    /** Adds a listener; closing the handle removes it. Listeners run in registration order. */
    public final HookHandle addStepListener(StepListener listener) {
        long id = nextListenerId++;
        listeners.put(id, Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(id);
    }

    /** The number of listeners currently registered. */
    public final int stepListenerCount() {
        return listeners.size();
    }

    /** How many times {@link #step()} has run. */
    public final long stepCount() {
        return stepCount;
    }

    /** Zeroes the gradient of every parameter in every group. */
    public void zeroGrad() {
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

    /** Sets the learning rate of every group (schedulers call this between steps). */
    public void setLearningRate(double lr) {
        for (ParamGroup g : paramGroups()) {
            g.setLearningRate(lr);
        }
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
