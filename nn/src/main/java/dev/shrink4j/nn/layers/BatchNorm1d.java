package dev.shrink4j.nn.layers;

/**
 * Batch normalisation of {@code [N, C]} or {@code [N, C, L]} inputs per channel
 * ({@code nn.BatchNorm1d}); see {@link BatchNorm} for state, modes and names.
 */
public class BatchNorm1d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine: PyTorch's defaults. */
    public BatchNorm1d(long numFeatures) {
        this(builder().setNumFeatures(numFeatures));
    }

    /** See {@link #builder()}. */
    protected BatchNorm1d(Builder<?> b) {
        super(b);
    }

    /** A builder for non-default eps, momentum or affine. */
    public static Builder<BatchNorm1d> builder() {
        return new Builder<>(BatchNorm1d::new);
    }

    @Override
    protected void checkInputDim(long dim) {
        if (dim != 2 && dim != 3) {
            throw new IllegalArgumentException("BatchNorm1d expects a 2-D [N, C] or 3-D [N, C, L] input, got " + dim + "-D");
        }
    }
}
