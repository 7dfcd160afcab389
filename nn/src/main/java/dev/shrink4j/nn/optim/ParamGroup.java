package dev.shrink4j.nn.optim;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/** A set of parameters sharing optimizer options; the learning rate can change at run time. */
public interface ParamGroup {

    /** The parameters of this group (live tensors, owned by their modules). */
    List<Tensor> params();

    /** The current learning rate. */
    double learningRate();

    /** Changes the learning rate for subsequent steps. */
    void setLearningRate(double lr);
}
