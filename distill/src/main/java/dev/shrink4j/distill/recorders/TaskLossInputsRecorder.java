package dev.shrink4j.distill.recorders;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Records the inputs of the model's task loss: the tuple {@code (output, target)}, i.e. the model's
 * logits (data_idx 0) and the batch's class labels (data_idx 1), once per step. It stands in for
 * MMRazor's {@code ModuleInputs} recorder on {@code head.loss_module}, which DKD and WSLD configs use
 * with {@code data_idx: 1} to reach {@code gt_labels}: a shrink4j model's loss is not a module, so the
 * distillation step feeds this recorder itself ({@link #recordLossInputs}). It has no {@code source}.
 */
public final class TaskLossInputsRecorder extends Recorder {

    /** The config name. */
    public static final String TYPE = "TaskLossInputs";

    /** A recorder of the task loss's inputs. */
    public TaskLossInputsRecorder() {
        super(TYPE, "");
    }

    @Override
    public String attachProblem(Module model) {
        return null;
    }

    @Override
    protected HookHandle hook(Module model) {
        return () -> { };
    }

    /**
     * Adds one record {@code (output, target)}. The distillation step calls it once per step, after the
     * model's forward (its recording context already closed); {@link #start()} drops the previous step's.
     */
    public void recordLossInputs(Tensor output, Tensor target) {
        addAlways(output, target);
    }

    @Override
    public int tupleSize() {
        return 2;
    }

    @Override
    public String description() {
        return TYPE;
    }
}
