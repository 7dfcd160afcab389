package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;

/**
 * Stochastic gradient descent ({@code torch.optim.SGD}) on libtorch's implementation: momentum,
 * dampening, Nesterov, weight decay; several parameter groups with their own options. With gradient
 * {@code g}, weight decay {@code wd}, momentum {@code mu}, dampening {@code d}, per step:
 *
 * <pre>
 * g = g + wd·p
 * buf = g (first step), else mu·buf + (1 − d)·g
 * g = nesterov ? g + mu·buf : buf        (when mu ≠ 0)
 * p = p − lr·g
 * </pre>
 *
 * <pre>{@code
 * Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optWeightDecay(5e-4).build(model.parameters());
 * }</pre>
 *
 * <p>The momentum buffers live in libtorch, owned by this optimizer until {@link #close()}.
 */
public final class Sgd extends LibtorchOptimizer<SGDOptions, Sgd.Builder, Sgd> {

    private Sgd(List<Tensor> params, SGDOptions options) {
        super("Sgd", params, options, SGD::new);
    }

    /** A builder for the options of the first group. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    SGDOptions copyOptions(SGDOptions template) {
        SGDOptions o = new SGDOptions(template.get_lr());
        o.momentum().put(template.momentum().get());
        o.dampening().put(template.dampening().get());
        o.weight_decay().put(template.weight_decay().get());
        o.nesterov().put(template.nesterov().get());
        return o;
    }

    /** Options for {@link Sgd}: {@code set…} required, {@code opt…} optional (defaults are PyTorch's). */
    public static final class Builder extends OptionsBuilder<Builder, SGDOptions> {
        private double momentum;
        private double dampening;
        private boolean nesterov;

        private Builder() {
            super("Sgd");
        }

        /** The momentum factor (default 0: plain SGD). */
        public Builder optMomentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /** The dampening of momentum (default 0); Nesterov requires 0. */
        public Builder optDampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        /** Whether to use Nesterov momentum (default false). */
        public Builder optNesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        @Override
        SGDOptions toOptions() {
            double lr = learningRate();
            nonNegative("momentum", momentum);
            double weightDecay = weightDecay();
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Sgd: Nesterov momentum requires a momentum and zero dampening, got momentum "
                        + momentum + ", dampening " + dampening);
            }
            SGDOptions o = new SGDOptions(lr); // native: made once every option is known to be valid
            o.momentum().put(momentum);
            o.dampening().put(dampening);
            o.weight_decay().put(weightDecay);
            o.nesterov().put(nesterov);
            return o;
        }

        /**
         * Builds the optimizer over {@code params} (one group with these options).
         *
         * @throws IllegalArgumentException if an option is invalid or {@code params} is empty or holds a
         *     non-leaf or repeated tensor
         */
        public Sgd build(List<Tensor> params) {
            return new Sgd(params, toOptions());
        }
    }
}
