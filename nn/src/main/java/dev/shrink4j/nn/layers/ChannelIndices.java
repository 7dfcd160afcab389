package dev.shrink4j.nn.layers;

import org.bytedeco.pytorch.Tensor;

/** Checks of the channel indices the layers' {@code keep…} methods take, and their tensor form. */
final class ChannelIndices {

    private ChannelIndices() {
    }

    /**
     * Throws unless {@code indices} is non-empty, strictly ascending and inside {@code [0, size)}.
     *
     * @param what names the layer and dimension in the message ({@code "Conv2d(3, 16) output channels"})
     */
    static void check(String what, long[] indices, long size) {
        if (indices.length == 0) {
            throw new IllegalArgumentException(what + ": cannot keep no channel (of " + size + ")");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= size) {
                throw new IllegalArgumentException(what + ": index " + indices[i] + " is outside [0, " + size + ")");
            }
            if (i > 0 && indices[i] <= indices[i - 1]) {
                throw new IllegalArgumentException(what + ": indices must be strictly ascending, got " + indices[i - 1]
                        + " then " + indices[i]);
            }
        }
    }

    /**
     * {@code t[rows][:, cols]} as a new contiguous tensor; a null index array keeps that dimension whole
     * ({@code cols} must be null for a 1-D {@code t}).
     */
    static Tensor select(Tensor t, long[] rows, long[] cols) {
        Tensor out = t.detach();
        if (rows != null) {
            out = out.index_select(0, tensor(rows));
        }
        if (cols != null) {
            out = out.index_select(1, tensor(cols));
        }
        return out.contiguous();
    }

    /** The indices as a Long tensor for {@code index_select}. */
    static Tensor tensor(long[] indices) {
        return Tensor.create(indices, indices.length);
    }
}
