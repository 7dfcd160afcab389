package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.layers.Conv2d;
import org.bytedeco.pytorch.Tensor;

/**
 * A convolution replaced by its low-rank pair ({@link LowRankPair}): child {@code "0"} (the k×k or k×1 convolution
 * to {@code rank} channels, no bias) then child {@code "1"} (the 1×1 or 1×k convolution back to the original
 * channels, with the bias). It has no parameters of its own, so its state-dict keys are PyTorch's for
 * {@code nn.Sequential(first, second)} at the same place ({@code conv2.0.weight}, {@code conv2.1.weight},
 * {@code conv2.1.bias}), and tools that walk leaves (graph tracer, FLOP counter) see the two smaller layers.
 *
 * <p>It extends {@code Conv2d} only so that a model's typed field ({@code LeNet5.conv2}) can hold it; its type name
 * is {@code "Sequential"}, so config lists select its children, not it. {@link #weight()} and {@link #bias()} are
 * null and {@link #keepChannels} is refused.
 */
public final class LowRankConv2d extends Conv2d implements LowRankPair {

    /**
     * Composes {@code first} and {@code second} in place of {@code original} (whose in/out channels, kernel and
     * square geometry this composite reports).
     */
    LowRankConv2d(Conv2d original, Conv2d first, Conv2d second) {
        super(geometryOf(original));
        removeParameter("weight"); // the superclass made one of the original's size
        registerModule("0", first);
        registerModule("1", second);
    }

    private static Conv2d.Builder geometryOf(Conv2d c) {
        long[] k = c.kernelSize();
        // only in/out and kernel matter for the getters; the allocated weight is dropped at once
        return Conv2d.builder().setInChannels(c.inChannels()).setOutChannels(c.outChannels()).setKernelSize(k[0], k[1])
                .optStride(c.stride()[0]).optPadding(c.padding()[0]).optDilation(c.dilation()[0]).optBias(false);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return callPair(input);
    }

    @Override
    public long rank() {
        return ((Conv2d) first()).outChannels();
    }

    /** Whether the pair is vertical/horizontal (k×1 then 1×k) rather than k×k then 1×1. */
    public boolean verticalHorizontal() {
        long[] k = ((Conv2d) second()).kernelSize();
        return k[0] != 1 || k[1] != 1;
    }

    @Override
    public void keepChannels(long[] keptOut, long[] keptIn) {
        throw new IllegalStateException(this + " is a low-rank pair: prune its children \"0\" and \"1\" instead");
    }

    @Override
    public String typeName() {
        return "Sequential";
    }

    @Override
    public String toString() {
        return describePair();
    }
}
