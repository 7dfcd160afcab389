package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.Tensor;

/**
 * A linear layer replaced by its low-rank pair ({@link LowRankPair}): child {@code "0"} ({@code in → rank}, no bias)
 * then child {@code "1"} ({@code rank → out}, with the bias). No parameters of its own, so the state-dict keys are
 * PyTorch's for {@code nn.Sequential(Linear, Linear)} ({@code fc1.0.weight}, {@code fc1.1.weight},
 * {@code fc1.1.bias}).
 *
 * <p>It extends {@code Linear} only so that a model's typed field ({@code LeNet5.fc1}) can hold it; its type name is
 * {@code "Sequential"}. {@link #weight()} and {@link #bias()} are null and {@link #keepFeatures} is refused.
 */
public final class LowRankLinear extends Linear implements LowRankPair {

    /** Composes {@code first} and {@code second} in place of {@code original}. */
    LowRankLinear(Linear original, Linear first, Linear second) {
        super(original.inFeatures(), original.outFeatures(), false);
        removeParameter("weight"); // the superclass made one of the original's size
        registerModule("0", first);
        registerModule("1", second);
    }

    @Override
    public long rank() {
        return ((Linear) first()).outFeatures();
    }

    @Override
    protected Tensor forward(Tensor input) {
        return callPair(input);
    }

    @Override
    public void keepFeatures(long[] keptOut, long[] keptIn) {
        throw new IllegalStateException(this + " is a low-rank pair: prune its children \"0\" and \"1\" instead");
    }

    @Override
    public String toString() {
        return describePair();
    }

    @Override
    public String typeName() {
        return "Sequential";
    }
}
