package dev.shrink4j.collect.observe;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Exponential moving averages of the batch minimum and maximum, NNI's {@code update_ema}:
 * {@code ema = ema · decay + (1 − decay) · value} (float32, in that operation order), with NNI's
 * QAT decay 0.99 by default. The first batch (after construction or {@link #reset()}) sets the state
 * the way NNI's {@code QAT_Quantizer} does at step 1: it copies the batch's range and then applies
 * the update with that same value, so the result equals NNI's bit for bit (it may differ from the
 * batch value by one rounding).
 */
public final class EmaObserver extends RangeObserver {

    /** NNI's {@code ema_decay} for QAT. */
    public static final double DEFAULT_DECAY = 0.99;

    private final double decay;

    /**
     * An observer updating {@code min} and {@code max} in place.
     *
     * @param decay      the weight of the previous average, in [0, 1)
     * @param channelDim the channel dimension, or {@link RangeObserver#PER_TENSOR}
     */
    public EmaObserver(Tensor min, Tensor max, int channelDim, double decay) {
        super(min, max, channelDim);
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay " + decay + " is outside [0, 1)");
        }
        this.decay = decay;
    }

    /** A per-tensor observer with decay 0.99 and its own 0-dimensional state (create it outside step scopes). */
    public static EmaObserver perTensor() {
        return new EmaObserver(torch.zeros(), torch.zeros(), PER_TENSOR, DEFAULT_DECAY);
    }

    /** A per-channel observer with decay 0.99 and its own state (create it outside step scopes). */
    public static EmaObserver perChannel(int rank, int channelDim, long channels) {
        long[] shape = Ranges.channelShape(rank, channelDim, channels);
        return new EmaObserver(torch.zeros(shape), torch.zeros(shape), channelDim, DEFAULT_DECAY);
    }

    /** The weight of the previous average. */
    public double decay() {
        return decay;
    }

    @Override
    protected void initialize(Tensor state, Tensor value) {
        super.initialize(state, value);
        accumulate(state, value, false);
    }

    @Override
    protected void accumulate(Tensor state, Tensor value, boolean minimum) {
        state.copy_(state.mul(new Scalar(decay)).add(value.mul(new Scalar(1 - decay))));
    }
}
