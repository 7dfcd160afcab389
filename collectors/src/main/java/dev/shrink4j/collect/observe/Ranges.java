package dev.shrink4j.collect.observe;

import org.bytedeco.pytorch.Tensor;

/**
 * The range of one tensor, over the whole tensor or per channel: NNI's {@code get_min_max_value}.
 * Per channel, every dimension except the channel dimension is reduced and kept with size 1
 * ({@code amin(x, dims, keepdim=True)}), so a weight {@code [C, Cin, kh, kw]} gives {@code [C, 1, 1, 1]}
 * and an activation {@code [N, C, H, W]} on dimension 1 gives {@code [1, C, 1, 1]}: the result
 * broadcasts against the tensor. Ranges are statistics, not part of the computation graph: the
 * results are detached.
 */
public final class Ranges {

    private Ranges() {
    }

    /** The smallest element, as a 0-dimensional tensor. */
    public static Tensor min(Tensor x) {
        return x.detach().min();
    }

    /** The largest element, as a 0-dimensional tensor. */
    public static Tensor max(Tensor x) {
        return x.detach().max();
    }

    /** The smallest element of each slice along {@code channelDim}, kept broadcastable. */
    public static Tensor min(Tensor x, int channelDim) {
        long[] dims = reducedDims(x, channelDim);
        // amin over no dimension would reduce them all: a 1-d tensor is its own per-channel range
        return dims.length == 0 ? x.detach().clone() : x.detach().amin(dims, true);
    }

    /** The largest element of each slice along {@code channelDim}, kept broadcastable. */
    public static Tensor max(Tensor x, int channelDim) {
        long[] dims = reducedDims(x, channelDim);
        return dims.length == 0 ? x.detach().clone() : x.detach().amax(dims, true);
    }

    /**
     * The shape {@link #min(Tensor, int)} returns for a tensor of {@code rank} dimensions with
     * {@code channels} slices on {@code channelDim}.
     */
    public static long[] channelShape(int rank, int channelDim, long channels) {
        checkDim(rank, channelDim);
        long[] shape = new long[rank];
        java.util.Arrays.fill(shape, 1L);
        shape[channelDim] = channels;
        return shape;
    }

    private static long[] reducedDims(Tensor x, int channelDim) {
        int rank = (int) x.dim();
        checkDim(rank, channelDim);
        long[] dims = new long[rank - 1];
        for (int d = 0, i = 0; d < rank; d++) {
            if (d != channelDim) {
                dims[i++] = d;
            }
        }
        return dims;
    }

    private static void checkDim(int rank, int channelDim) {
        if (channelDim < 0 || channelDim >= rank) {
            throw new IllegalArgumentException("channel dimension " + channelDim + " is outside a tensor of rank "
                    + rank + " (expected 0.." + (rank - 1) + ")");
        }
    }
}
