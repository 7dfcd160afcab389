package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalisation over the channel dimension (PyTorch's {@code _BatchNorm}), the shared part of
 * {@link BatchNorm1d} and {@link BatchNorm2d}, which differ only in the input ranks they accept.
 *
 * <p>State, with PyTorch's names: parameters {@code weight} (γ, ones) and {@code bias} (β, zeros) when
 * affine; buffers {@code running_mean} (zeros), {@code running_var} (ones) and
 * {@code num_batches_tracked} (a 0-d Long tensor, 0). In training mode the output is normalised with
 * the batch statistics, and {@code torch.batch_norm} updates the running statistics in place:
 * {@code running = (1 - momentum) * running + momentum * batch}, with the <em>unbiased</em> batch variance
 * for {@code running_var}; {@code num_batches_tracked} is incremented. In evaluation mode the running
 * statistics are used. Forward reads γ and β through {@link #parametrized(String)}, so a compressor
 * (network slimming) can mask channels' γ without touching the stored parameter.
 *
 * <p>PyTorch's {@code momentum=None} (cumulative average) and {@code track_running_stats=False} are
 * not supported: every layer here tracks running statistics with a fixed momentum.
 */
public abstract class BatchNorm extends Module {

    private long numFeatures;
    private final double eps;
    private final double momentum;
    private final boolean affine;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;

    /** See {@link Builder}. */
    protected BatchNorm(Builder<?> b) {
        if (b.numFeatures <= 0) {
            throw new IllegalArgumentException(typeName() + ": numFeatures must be positive, got " + b.numFeatures);
        }
        if (!(b.eps > 0)) {
            throw new IllegalArgumentException(typeName() + ": eps must be positive, got " + b.eps);
        }
        if (!(b.momentum >= 0 && b.momentum <= 1)) {
            throw new IllegalArgumentException(typeName() + ": momentum must be in [0, 1], got " + b.momentum);
        }
        this.numFeatures = b.numFeatures;
        this.eps = b.eps;
        this.momentum = b.momentum;
        this.affine = b.affine;
        if (affine) {
            registerParameter("weight", torch.ones(numFeatures));
            registerParameter("bias", torch.zeros(numFeatures));
        }
        runningMean = registerBuffer("running_mean", torch.zeros(numFeatures));
        runningVar = registerBuffer("running_var", torch.ones(numFeatures));
        numBatchesTracked = registerBuffer("num_batches_tracked",
                torch.zeros(new long[0], new TensorOptions(torch.ScalarType.Long)));
    }

    /**
     * Checks the input's rank; throws {@link IllegalArgumentException} naming the rank expected.
     *
     * @param dim the input's number of dimensions
     */
    protected abstract void checkInputDim(long dim);

    @Override
    protected Tensor forward(Tensor input) {
        checkInputDim(input.dim());
        if (input.size(1) != numFeatures) {
            throw new IllegalArgumentException(typeName() + "(" + numFeatures + ") got an input with "
                    + input.size(1) + " channels (shape " + java.util.Arrays.toString(input.shape()) + ")");
        }
        boolean training = isTraining();
        if (training && input.numel() / numFeatures <= 1) {
            // As F.batch_norm: one value per channel has no variance (the unbiased running_var would be inf).
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (training) {
            // PyTorch increments the counter before normalising; it only matters when momentum is None.
            try (NoGradGuard noGrad = new NoGradGuard()) {
                numBatchesTracked.add_(new Scalar(1L));
            }
        }
        TensorOptional w = affine ? new TensorOptional(parametrized("weight")) : new TensorOptional();
        TensorOptional b = affine ? new TensorOptional(parametrized("bias")) : new TensorOptional();
        return torch.batch_norm(input, w, b, new TensorOptional(runningMean), new TensorOptional(runningVar),
                training, momentum, eps, false);
    }

    /**
     * Keeps only the given channels (physical pruning): γ, β, {@code running_mean} and {@code running_var}
     * become their entries at {@code kept}, in place (they keep their identity, see {@link Module#replaceData}).
     *
     * @param kept the channels to keep, strictly ascending
     * @throws IllegalArgumentException for indices out of range, not ascending or empty
     */
    public void keepChannels(long[] kept) {
        ChannelIndices.check(this + " channels", kept, numFeatures);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (String name : affine ? new String[] {"weight", "bias"} : new String[0]) {
                replaceData(name, ChannelIndices.select(getParameter(name), kept, null));
            }
            replaceData("running_mean", ChannelIndices.select(runningMean, kept, null));
            replaceData("running_var", ChannelIndices.select(runningVar, kept, null));
        }
        numFeatures = kept.length;
    }

    /** The stored γ parameter, or null when not affine. */
    public Tensor weight() {
        return getParameter("weight");
    }

    /** The stored β parameter, or null when not affine. */
    public Tensor bias() {
        return getParameter("bias");
    }

    /** The {@code running_mean} buffer (updated in place in training mode). */
    public Tensor runningMean() {
        return runningMean;
    }

    /** The {@code running_var} buffer (updated in place in training mode). */
    public Tensor runningVar() {
        return runningVar;
    }

    /** The {@code num_batches_tracked} buffer: a 0-d Long tensor counting training batches. */
    public Tensor numBatchesTracked() {
        return numBatchesTracked;
    }

    /** The number of channels normalised. */
    public long numFeatures() {
        return numFeatures;
    }

    public double eps() {
        return eps;
    }

    public double momentum() {
        return momentum;
    }

    /** Whether the layer has γ and β. */
    public boolean affine() {
        return affine;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + pythonBool(affine)
                + ", track_running_stats=True";
    }

    /**
     * Builder shared by the batch-norm layers: {@code setNumFeatures} is required; {@code optEps}
     * (1e-5), {@code optMomentum} (0.1) and {@code optAffine} (true) are optional.
     *
     * @param <B> the layer built
     */
    public static final class Builder<B extends BatchNorm> {
        private final Function<Builder<B>, B> factory;
        private long numFeatures;
        private double eps = 1e-5;
        private double momentum = 0.1;
        private boolean affine = true;

        Builder(Function<Builder<B>, B> factory) {
            this.factory = factory;
        }

        public Builder<B> setNumFeatures(long n) {
            this.numFeatures = n;
            return this;
        }

        public Builder<B> optEps(double e) {
            this.eps = e;
            return this;
        }

        public Builder<B> optMomentum(double m) {
            this.momentum = m;
            return this;
        }

        public Builder<B> optAffine(boolean a) {
            this.affine = a;
            return this;
        }

        public B build() {
            return factory.apply(this);
        }
    }
}
