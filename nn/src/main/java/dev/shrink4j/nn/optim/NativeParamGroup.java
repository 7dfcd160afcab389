package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@link ParamGroup} backed by one of libtorch's optimizer parameter groups. It looks the native
 * group up on every call rather than holding it: {@code add_param_group} may reallocate libtorch's
 * group vector, and {@code resetState} and {@code removeParamGroup} replace the native optimizer,
 * any of which would leave a held pointer dangling. Its index is its position in the owner's groups,
 * which {@code removeParamGroup} changes.
 */
final class NativeParamGroup implements ParamGroup {

    private final LibtorchOptimizer<?, ?, ?> owner;
    private final List<Tensor> params;

    NativeParamGroup(LibtorchOptimizer<?, ?, ?> owner, List<Tensor> params) {
        this.owner = owner;
        this.params = List.copyOf(params);
    }

    @Override
    public List<Tensor> params() {
        return params;
    }

    @Override
    public double learningRate() {
        return owner.nativeOptions(owner.indexOf(this)).get_lr();
    }

    @Override
    public void setLearningRate(double lr) {
        int index = owner.indexOf(this);
        Optimizer.checkLearningRate(owner.getClass().getSimpleName() + ": learning rate of group " + index, lr);
        owner.nativeOptions(index).set_lr(lr);
    }
}
