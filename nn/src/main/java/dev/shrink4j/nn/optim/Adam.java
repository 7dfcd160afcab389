package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Tensor;

/**
 * Adam ({@code torch.optim.Adam}) on libtorch's implementation, with L2 weight decay and the AMSGrad
 * variant; several parameter groups with their own options. With gradient {@code g}, at step
 * {@code t} (counted from 1, per parameter):
 *
 * <pre>
 * g = g + wd·p
 * m = β1·m + (1 − β1)·g
 * v = β2·v + (1 − β2)·g²
 * vmax = max(vmax, v)                      (AMSGrad only; then v below is vmax)
 * p = p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 * </pre>
 *
 * Weight decay here is the classic L2 penalty added to the gradient, not AdamW's decoupled decay.
 *
 * <pre>{@code
 * Adam adam = Adam.builder().setLearningRate(1e-3).optBetas(0.9, 0.999).build(model.parameters());
 * }</pre>
 *
 * <p>The moments live in libtorch, owned by this optimizer until {@link #close()}.
 */
public final class Adam extends LibtorchOptimizer<AdamOptions, Adam.Builder, Adam> {

    /**
     * Where β1 sits in the two doubles behind {@code AdamOptions.betas()}, a C++
     * {@code std::tuple<double, double>}. libstdc++ lays tuples out last element first, so writing
     * {@code put(0, β1)} would silently swap the betas; we read the layout off libtorch's defaults
     * (0.9, 0.999) instead of assuming it.
     */
    static final int BETA1_SLOT = beta1Slot();

    private static int beta1Slot() {
        try (AdamOptions defaults = new AdamOptions(1e-3)) {
            DoublePointer betas = defaults.betas();
            if (betas.get(0) == 0.9 && betas.get(1) == 0.999) {
                return 0;
            }
            if (betas.get(0) == 0.999 && betas.get(1) == 0.9) {
                return 1;
            }
            throw new IllegalStateException("Adam: unexpected layout of libtorch's default betas: "
                    + betas.get(0) + ", " + betas.get(1) + " (expected 0.9 and 0.999 in some order)");
        }
    }

    private Adam(List<Tensor> params, AdamOptions options) {
        super("Adam", params, options, org.bytedeco.pytorch.Adam::new);
    }

    /** A builder for the options of the first group. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    AdamOptions copyOptions(AdamOptions template) {
        AdamOptions o = new AdamOptions(template.get_lr());
        // slot by slot: the same layout on both sides, whichever slot holds beta1
        o.betas().put(0, template.betas().get(0)).put(1, template.betas().get(1));
        o.eps().put(template.eps().get());
        o.weight_decay().put(template.weight_decay().get());
        o.amsgrad().put(template.amsgrad().get());
        return o;
    }

    /** Options for {@link Adam}: {@code set…} required, {@code opt…} optional (defaults are PyTorch's). */
    public static final class Builder extends OptionsBuilder<Builder, AdamOptions> {
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private boolean amsgrad;

        private Builder() {
            super("Adam");
        }

        /** The decay rates of the first and second moment estimates (default 0.9, 0.999), each in [0, 1). */
        public Builder optBetas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** The term added to the denominator for numerical stability (default 1e-8). */
        public Builder optEps(double eps) {
            this.eps = eps;
            return this;
        }

        /** Whether to use the AMSGrad variant, which divides by the running maximum of {@code v} (default false). */
        public Builder optAmsgrad(boolean amsgrad) {
            this.amsgrad = amsgrad;
            return this;
        }

        @Override
        AdamOptions toOptions() {
            double lr = learningRate();
            checkBeta("beta1", beta1);
            checkBeta("beta2", beta2);
            nonNegative("eps", eps);
            double weightDecay = weightDecay();
            AdamOptions o = new AdamOptions(lr); // native: made once every option is known to be valid
            o.betas().put(BETA1_SLOT, beta1).put(1 - BETA1_SLOT, beta2);
            o.eps().put(eps);
            o.weight_decay().put(weightDecay);
            o.amsgrad().put(amsgrad);
            return o;
        }

        private static void checkBeta(String name, double beta) {
            if (!(beta >= 0 && beta < 1)) {
                throw new IllegalArgumentException("Adam: " + name + " must be in [0, 1), got " + beta);
            }
        }

        /**
         * Builds the optimizer over {@code params} (one group with these options).
         *
         * @throws IllegalArgumentException if an option is invalid or {@code params} is empty or holds a
         *     non-leaf or repeated tensor
         */
        public Adam build(List<Tensor> params) {
            return new Adam(params, toOptions());
        }
    }
}
