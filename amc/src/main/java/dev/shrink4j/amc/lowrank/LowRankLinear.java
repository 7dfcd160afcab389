package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.Tensor;

/**
 * A linear layer replaced by its low-rank pair: child {@code "0"} ({@code in → rank}, no bias) then child
 * {@code "1"} ({@code rank → out}, with the bias). No parameters of its own, so the state-dict keys are PyTorch's
 * for {@code nn.Sequential(Linear, Linear)} ({@code fc1.0.weight}, {@code fc1.1.weight}, {@code fc1.1.bias}).
 *
 * <p>It extends {@code Linear} only so that a model's typed field ({@code LeNet5.fc1}) can hold it; its type name is
 * {@code "Sequential"}. {@link #weight()} and {@link #bias()} are null and {@link #keepFeatures} is refused.
 */
public final class LowRankLinear extends Linear {

    private final Linear first;
    private final Linear second;

    /** Composes {@code first} and {@code second} in place of {@code original}. */
    LowRankLinear(Linear original, Linear first, Linear second) {
        super(original.inFeatures(), original.outFeatures(), false);
        ModuleSurgery.removeParameter(this, "weight"); // the superclass made one of the original's size
        this.first = registerModule("0", first);
        this.second = registerModule("1", second);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return second.call(first.call(input));
    }

    /** The first linear layer (child {@code "0"}). */
    public Linear first() {
        return first;
    }

    /** The second linear layer (child {@code "1"}), carrying the bias. */
    public Linear second() {
        return second;
    }

    /** The rank: the features between the two layers. */
    public long rank() {
        return first.outFeatures();
    }

    @Override
    public void keepFeatures(long[] keptOut, long[] keptIn) {
        throw new IllegalStateException(this + " is a low-rank pair: prune its children \"0\" and \"1\" instead");
    }

    @Override
    public String typeName() {
        return "Sequential";
    }

    @Override
    public String toString() {
        return "Sequential(0: " + first + ", 1: " + second + ")";
    }
}
