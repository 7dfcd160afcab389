package dev.shrink4j.collect.observe;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Running minimum and maximum over every batch observed: {@code min = min(min, batch.min())},
 * {@code max = max(max, batch.max())}, per tensor or per channel (PyTorch's {@code MinMaxObserver}
 * and {@code PerChannelMinMaxObserver}, which NNI's {@code ObserverQuantizer} calibrates weights with).
 */
public final class MinMaxObserver extends RangeObserver {

    /**
     * An observer updating {@code min} and {@code max} in place.
     *
     * @param channelDim the channel dimension, or {@link RangeObserver#PER_TENSOR}
     */
    public MinMaxObserver(Tensor min, Tensor max, int channelDim) {
        super(min, max, channelDim);
    }

    /** A per-tensor observer with its own 0-dimensional state (create it outside step scopes). */
    public static MinMaxObserver perTensor() {
        return new MinMaxObserver(torch.zeros(), torch.zeros(), PER_TENSOR);
    }

    /**
     * A per-channel observer with its own state of shape {@link Ranges#channelShape}{@code (rank,
     * channelDim, channels)} (create it outside step scopes).
     */
    public static MinMaxObserver perChannel(int rank, int channelDim, long channels) {
        long[] shape = Ranges.channelShape(rank, channelDim, channels);
        return new MinMaxObserver(torch.zeros(shape), torch.zeros(shape), channelDim);
    }

    @Override
    protected void accumulate(Tensor state, Tensor value, boolean minimum) {
        state.copy_(minimum ? torch.minimum(state, value) : torch.maximum(state, value));
    }
}
