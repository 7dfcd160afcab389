package dev.shrink4j.nn.optim;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Stochastic gradient descent ({@code torch.optim.SGD}) on libtorch's implementation: momentum,
 * dampening, Nesterov, weight decay; several parameter groups with their own options.
 *
 * <pre>{@code
 * Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optWeightDecay(5e-4).build(model.parameters());
 * }</pre>
 */
public final class Sgd extends Optimizer {

    private SGD sgd;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final List<List<Tensor>> groupParams = new ArrayList<>();
    private final List<SGDOptions> groupOptions = new ArrayList<>();

    private Sgd(List<Tensor> params, SGDOptions options) {
        groupParams.add(List.copyOf(params));
        groupOptions.add(options);
        rebuild();
    }

    /** (Re)creates the native optimizer from the Java-side groups: fresh state, current options. */
    private void rebuild() {
        sgd = new SGD(new TensorVector(groupParams.get(0).toArray(new Tensor[0])), groupOptions.get(0));
        for (int i = 1; i < groupParams.size(); i++) {
            sgd.add_param_group(new OptimizerParamGroup(
                    new TensorVector(groupParams.get(i).toArray(new Tensor[0])), groupOptions.get(i)));
        }
        syncGroups();
    }

    /** A builder for the options of the first group. */
    public static Builder builder() {
        return new Builder();
    }

    /** Adds a parameter group with its own options (PyTorch's {@code add_param_group}). */
    public Sgd addParamGroup(List<Tensor> params, Builder options) {
        SGDOptions o = options.toOptions();
        sgd.add_param_group(new OptimizerParamGroup(new TensorVector(params.toArray(new Tensor[0])), o));
        groupParams.add(List.copyOf(params));
        groupOptions.add(o);
        syncGroups();
        return this;
    }

    private void syncGroups() {
        groups.clear();
        for (int i = 0; i < groupParams.size(); i++) {
            groups.add(new NativeParamGroup(sgd.param_groups().get(i), groupParams.get(i)));
        }
    }

    @Override
    protected void applyUpdate() {
        sgd.step();
    }

    @Override
    public List<ParamGroup> paramGroups() {
        return List.copyOf(groups);
    }

    @Override
    public void resetState() {
        // libtorch exposes no state map to Java: rebuild the optimizer, keeping each group's current lr.
        for (int i = 0; i < groups.size(); i++) {
            groupOptions.get(i).set_lr(groups.get(i).learningRate());
        }
        SGD old = sgd;
        rebuild();
        old.close();
    }

    @Override
    public void close() {
        super.close();
        sgd.close();
    }

    /** Options for {@link Sgd}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Double lr;
        private double momentum;
        private double dampening;
        private double weightDecay;
        private boolean nesterov;

        private Builder() {
        }

        public Builder setLearningRate(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder optMomentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder optDampening(double dampening) {
            this.dampening = dampening;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optNesterov(boolean nesterov) {
            this.nesterov = nesterov;
            return this;
        }

        SGDOptions toOptions() {
            if (lr == null || lr < 0) {
                throw new IllegalArgumentException("Sgd: learning rate must be set and non-negative, got " + lr);
            }
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("Sgd: Nesterov momentum requires a momentum and zero dampening");
            }
            SGDOptions o = new SGDOptions(lr);
            o.momentum().put(momentum);
            o.dampening().put(dampening);
            o.weight_decay().put(weightDecay);
            o.nesterov().put(nesterov);
            return o;
        }

        /** Builds the optimizer over {@code params}. */
        public Sgd build(List<Tensor> params) {
            return new Sgd(params, toOptions());
        }
    }
}
