package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A set of parameters sharing optimizer options (PyTorch's {@code param_groups[i]}); the learning rate
 * can change at run time and the next {@link Optimizer#step()} uses it.
 */
public interface ParamGroup {

    /** The parameters of this group (live tensors, owned by their modules). */
    List<Tensor> params();

    /** The current learning rate. */
    double learningRate();

    /**
     * Changes the learning rate for subsequent steps.
     *
     * @throws IllegalArgumentException if {@code lr} is negative or not finite
     */
    void setLearningRate(double lr);
}
