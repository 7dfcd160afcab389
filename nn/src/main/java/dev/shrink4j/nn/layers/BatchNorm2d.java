package dev.shrink4j.nn.layers;

/**
 * Batch normalisation of {@code [N, C, H, W]} inputs over N, H and W per channel
 * ({@code nn.BatchNorm2d}); see {@link BatchNorm} for state, modes and names.
 */
public class BatchNorm2d extends BatchNorm {

    /** eps 1e-5, momentum 0.1, affine: PyTorch's defaults. */
    public BatchNorm2d(long numFeatures) {
        this(builder().setNumFeatures(numFeatures));
    }

    /** See {@link #builder()}. */
    protected BatchNorm2d(Builder<?> b) {
        super(b);
    }

    /** A builder for non-default eps, momentum or affine. */
    public static Builder<BatchNorm2d> builder() {
        return new Builder<>(BatchNorm2d::new);
    }

    @Override
    protected void checkInputDim(long dim) {
        if (dim != 4) {
            throw new IllegalArgumentException("BatchNorm2d expects a 4-D input [N, C, H, W], got " + dim + "-D");
        }
    }
}
