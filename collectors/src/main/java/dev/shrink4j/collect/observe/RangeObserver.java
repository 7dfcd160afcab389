package dev.shrink4j.collect.observe;

import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Base of the observers: keeps a running minimum and maximum of the tensors it is shown, over the
 * whole tensor or per channel ({@link Ranges}). The first batch after construction or
 * {@link #reset()} initialises the state; later batches are folded in by {@link #accumulate}.
 *
 * <p>The state lives in the two tensors given to the constructor, typically buffers owned by a
 * wrapper or module and created outside any step scope; {@link #observe} updates them in place
 * ({@code copy_}) under a {@code NoGradGuard}, so their identity never changes and it may run inside
 * step scopes. An observer only collects: turning the range into scale and zero point is done by
 * the quantizers ({@code dev.shrink4j.quant.core.QParams}).
 *
 * <p>A tensor holding NaN or infinite values is refused with a {@link NonFiniteRangeException}
 * that names the observer's {@link #label()} (quantizers label each observer with its layer), and
 * the state is left as it was: a non-finite range would silently turn every later scale into NaN.
 */
public abstract class RangeObserver {

    /** The channel dimension value meaning "one range for the whole tensor". */
    public static final int PER_TENSOR = -1;

    private final Tensor min;
    private final Tensor max;
    private final int channelDim;
    private long batches;
    private String label;

    /**
     * @param min        the running minimum, updated in place: 0-dimensional (or one element) per
     *                   tensor, the {@link Ranges#channelShape} per channel
     * @param max        the running maximum, same shape as {@code min}
     * @param channelDim the channel dimension, or {@link #PER_TENSOR}
     */
    protected RangeObserver(Tensor min, Tensor max, int channelDim) {
        this.min = Objects.requireNonNull(min, "min");
        this.max = Objects.requireNonNull(max, "max");
        if (channelDim < PER_TENSOR) {
            throw new IllegalArgumentException("channel dimension " + channelDim + " is negative; use PER_TENSOR ("
                    + PER_TENSOR + ") for one range per tensor");
        }
        if (!Arrays.equals(min.shape(), max.shape())) {
            throw new IllegalArgumentException("min has shape " + Arrays.toString(min.shape()) + " but max has shape "
                    + Arrays.toString(max.shape()));
        }
        if (channelDim == PER_TENSOR && min.numel() != 1) {
            throw new IllegalArgumentException("a per-tensor observer needs one-element state, got shape "
                    + Arrays.toString(min.shape()));
        }
        this.channelDim = channelDim;
        this.label = getClass().getSimpleName();
    }

    /**
     * Names what this observer watches in its error messages, e.g. {@code "conv1 input"}; the
     * default is the observer's class name.
     *
     * @return this observer
     */
    public final RangeObserver label(String label) {
        this.label = Objects.requireNonNull(label, "label");
        return this;
    }

    /** What this observer watches, as its error messages name it. */
    public final String label() {
        return label;
    }

    /** Folds the range of {@code x} into the state. */
    public final void observe(Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor batchMin = channelDim == PER_TENSOR ? Ranges.min(x) : Ranges.min(x, channelDim);
            Tensor batchMax = channelDim == PER_TENSOR ? Ranges.max(x) : Ranges.max(x, channelDim);
            if (channelDim != PER_TENSOR && !Arrays.equals(batchMin.shape(), min.shape())) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " on dimension " + channelDim
                        + " keeps ranges of shape " + Arrays.toString(min.shape()) + ", but a tensor of shape "
                        + Arrays.toString(x.shape()) + " has ranges of shape " + Arrays.toString(batchMin.shape()));
            }
            requireFinite(x, batchMin, batchMax);
            if (batches == 0) {
                initialize(min, batchMin);
                initialize(max, batchMax);
            } else {
                accumulate(min, batchMin, true);
                accumulate(max, batchMax, false);
            }
            batches++;
        }
    }

    /** Throws, before any state changes, when the batch's range holds NaN or an infinity. */
    private void requireFinite(Tensor x, Tensor batchMin, Tensor batchMax) {
        // One synchronisation per batch: both ranges finite everywhere.
        if (batchMin.isfinite().logical_and(batchMax.isfinite()).all().item_bool()) {
            return;
        }
        String where;
        if (channelDim == PER_TENSOR) {
            where = "min " + number(batchMin.item_double()) + ", max " + number(batchMax.item_double());
        } else {
            Tensor min = batchMin.flatten();
            Tensor max = batchMax.flatten();
            Tensor bad = min.isfinite().logical_and(max.isfinite()).logical_not();
            long first = bad.nonzero().get(0).item_long();
            where = bad.sum().item_long() + " of " + min.numel() + " channels (dimension " + channelDim + "), the first, channel "
                    + first + ": min " + number(min.get(first).item_double()) + ", max " + number(max.get(first).item_double());
        }
        throw new NonFiniteRangeException(label, where + " in a tensor of shape " + Arrays.toString(x.shape())
                + " that holds NaN or infinite values");
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "NaN" : Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : Double.toString(v);
    }

    /** Sets the state from the first batch's range. Default: copy it. */
    protected void initialize(Tensor state, Tensor value) {
        state.copy_(value.reshape_as(state));
    }

    /**
     * Folds one batch's range into the state, in place (called without gradient tracking).
     *
     * @param state   {@link #min()} or {@link #max()}
     * @param value   the batch's minimum or maximum, broadcastable to {@code state}
     * @param minimum whether {@code state} is the minimum
     */
    protected abstract void accumulate(Tensor state, Tensor value, boolean minimum);

    /** The running minimum (the live state tensor). */
    public final Tensor min() {
        return min;
    }

    /** The running maximum (the live state tensor). */
    public final Tensor max() {
        return max;
    }

    /** The channel dimension, or {@link #PER_TENSOR}. */
    public final int channelDim() {
        return channelDim;
    }

    /** Batches observed since construction or {@link #reset()}. */
    public final long batches() {
        return batches;
    }

    /** Whether a batch has been observed since construction or {@link #reset()}. */
    public final boolean hasObserved() {
        return batches > 0;
    }

    /** Makes the next batch initialise the state again (the tensors keep their values until then). */
    public final void reset() {
        batches = 0;
    }
}
