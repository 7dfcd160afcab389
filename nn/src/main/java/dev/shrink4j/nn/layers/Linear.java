package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Fully connected layer ({@code nn.Linear}): {@code y = x Wᵀ + b}, {@code weight [out, in]},
 * optional {@code bias [out]}, PyTorch's default initialisation.
 */
public class Linear extends Module {

    private long inFeatures;
    private long outFeatures;
    private final boolean hasBias;

    /** A biased linear layer. */
    public Linear(long inFeatures, long outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    /** A linear layer, with or without bias. */
    public Linear(long inFeatures, long outFeatures, boolean bias) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear needs positive sizes, got in=" + inFeatures + " out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.hasBias = bias;
        registerParameter("weight", Initializers.kaimingUniformDefault(outFeatures, inFeatures));
        if (bias) {
            registerParameter("bias", Initializers.uniform(1.0 / Math.sqrt(inFeatures), outFeatures));
        }
    }

    @Override
    protected Tensor forward(Tensor input) {
        return linear(input, parametrized("weight"), hasBias ? parametrized("bias") : null);
    }

    /** The functional twin: {@code F.linear}; {@code bias} may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? torch.linear(x, weight) : torch.linear(x, weight, new TensorOptional(bias));
    }

    /**
     * Keeps only the given features (physical pruning): {@code weight} becomes {@code weight[keptOut][:, keptIn]}
     * and {@code bias} {@code bias[keptOut]}, in place (the parameters keep their identity, see
     * {@link Module#replaceData}).
     *
     * @param keptOut the output features to keep, strictly ascending; null keeps all
     * @param keptIn  the input features to keep, strictly ascending; null keeps all
     * @throws IllegalArgumentException for indices out of range, not ascending or empty
     */
    public void keepFeatures(long[] keptOut, long[] keptIn) {
        if (keptOut != null) {
            ChannelIndices.check(this + " output features", keptOut, outFeatures);
        }
        if (keptIn != null) {
            ChannelIndices.check(this + " input features", keptIn, inFeatures);
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            replaceData("weight", ChannelIndices.select(weight(), keptOut, keptIn));
            if (hasBias && keptOut != null) {
                replaceData("bias", ChannelIndices.select(bias(), keptOut, null));
            }
        }
        outFeatures = keptOut != null ? keptOut.length : outFeatures;
        inFeatures = keptIn != null ? keptIn.length : inFeatures;
    }

    /** The stored weight parameter {@code [out, in]}. */
    public Tensor weight() {
        return getParameter("weight");
    }

    /** The stored bias parameter, or null. */
    public Tensor bias() {
        return getParameter("bias");
    }

    public long inFeatures() {
        return inFeatures;
    }

    public long outFeatures() {
        return outFeatures;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + pythonBool(hasBias);
    }
}
