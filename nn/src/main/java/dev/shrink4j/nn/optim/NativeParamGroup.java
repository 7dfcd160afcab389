package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;

/** A {@link ParamGroup} backed by one of libtorch's optimizer parameter groups. */
final class NativeParamGroup implements ParamGroup {

    private final OptimizerParamGroup group;
    private final List<Tensor> params;

    NativeParamGroup(OptimizerParamGroup group, List<Tensor> params) {
        this.group = group;
        this.params = List.copyOf(params);
    }

    @Override
    public List<Tensor> params() {
        return params;
    }

    @Override
    public double learningRate() {
        return group.options().get_lr();
    }

    @Override
    public void setLearningRate(double lr) {
        group.options().set_lr(lr);
    }
}
