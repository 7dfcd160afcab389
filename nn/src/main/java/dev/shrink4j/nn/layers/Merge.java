package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * The base of stateless glue modules that combine several tensors into one ({@link Add},
 * {@link Concat}), like PyTorch's {@code FloatFunctional} and AMC's {@code ElemAdd}/{@code Concatenate}:
 * a merge written as a module call instead of a raw tensor operation in a parent's forward, so that
 * forward hooks (profilers, the model-graph tracer) see it.
 *
 * <p>{@link #callAll(Tensor...)} runs the usual {@link Module#call(Tensor)} machinery with the first
 * input as the hooks' {@code input}; while the call is in progress {@link #currentInputs()} returns all of
 * them, so a hook that needs every operand reads it there. A pre-hook that replaces the input replaces the
 * first operand. Calling a merge with one tensor through {@code call(Tensor)} is an error naming the
 * module type and the arity it expects.
 */
public abstract class Merge extends Module {

    private final int minInputs;
    private final int maxInputs;
    private List<Tensor> current;

    /**
     * @param minInputs the fewest operands a call takes (at least 1)
     * @param maxInputs the most operands a call takes ({@link Integer#MAX_VALUE} for no limit)
     */
    protected Merge(int minInputs, int maxInputs) {
        if (minInputs < 1 || maxInputs < minInputs) {
            throw new IllegalArgumentException("Merge needs 1 <= minInputs <= maxInputs, got " + minInputs + " and "
                    + maxInputs);
        }
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
    }

    /** Combines the operands; called by {@link #forward(Tensor)} with every operand of the current call. */
    protected abstract Tensor merge(List<Tensor> inputs);

    /**
     * Runs the module on {@code inputs}: pre-hooks, {@link #merge(List)}, hooks, exactly as
     * {@link Module#call(Tensor)} does for one input.
     *
     * @throws IllegalArgumentException when the number of operands is outside what this module takes, or
     *                                  one is null
     */
    protected final Tensor callAll(Tensor... inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.length < minInputs || inputs.length > maxInputs) {
            throw new IllegalArgumentException(typeName() + " takes " + arity() + " inputs, got " + inputs.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException(typeName() + ": input " + i + " is null");
            }
        }
        List<Tensor> previous = current;
        current = Collections.unmodifiableList(Arrays.asList(inputs.clone()));
        try {
            return call(inputs[0]);
        } finally {
            current = previous;
        }
    }

    /**
     * The operands of the call in progress, in call order (the first as given to {@code callAll}, before any
     * pre-hook replaced it); empty outside a call. Hooks use it to see every operand.
     */
    public final List<Tensor> currentInputs() {
        return current == null ? List.of() : current;
    }

    @Override
    protected final Tensor forward(Tensor first) {
        if (current == null) {
            throw new IllegalStateException(typeName() + " combines " + arity() + " inputs: call it with all of them"
                    + " (e.g. add.call(a, b)), not with call(x)");
        }
        List<Tensor> operands = new ArrayList<>(current);
        operands.set(0, first);
        return merge(operands);
    }

    private String arity() {
        return minInputs == maxInputs ? Integer.toString(minInputs)
                : maxInputs == Integer.MAX_VALUE ? minInputs + " or more" : minInputs + " to " + maxInputs;
    }
}
