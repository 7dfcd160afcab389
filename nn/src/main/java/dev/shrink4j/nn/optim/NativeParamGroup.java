package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@link ParamGroup} backed by one of libtorch's optimizer parameter groups. It looks the native
 * group up by index on every call rather than holding it: {@code add_param_group} may reallocate
 * libtorch's group vector and {@code resetState} replaces the native optimizer, either of which would
 * leave a held pointer dangling.
 */
final class NativeParamGroup implements ParamGroup {

    private final LibtorchOptimizer<?> owner;
    private final int index;
    private final List<Tensor> params;

    NativeParamGroup(LibtorchOptimizer<?> owner, int index, List<Tensor> params) {
        this.owner = owner;
        this.index = index;
        this.params = List.copyOf(params);
    }

    @Override
    public List<Tensor> params() {
        return params;
    }

    @Override
    public double learningRate() {
        return owner.nativeOptions(index).get_lr();
    }

    @Override
    public void setLearningRate(double lr) {
        Optimizer.checkLearningRate(owner.getClass().getSimpleName() + ": learning rate of group " + index, lr);
        owner.nativeOptions(index).set_lr(lr);
    }
}
