package dev.shrink4j.distill.losses;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * A loss between one student tensor and one teacher tensor (most of MMRazor's losses): the two forward
 * arguments are named by the loss ({@code preds_S}/{@code preds_T}, {@code s_feature}/{@code t_feature},
 * {@code logits_S}/{@code logits_T}). By default they must have the same shape.
 */
abstract class PairLoss extends DistillLoss {

    private final String studentArgument;
    private final String teacherArgument;

    PairLoss(String type, double lossWeight, String studentArgument, String teacherArgument) {
        super(type, lossWeight, studentArgument, teacherArgument);
        this.studentArgument = studentArgument;
        this.teacherArgument = teacherArgument;
    }

    @Override
    protected final Tensor compute(Map<String, Tensor> inputs) {
        return compute(inputs.get(studentArgument), inputs.get(teacherArgument));
    }

    /** The loss of student input {@code s} against teacher input {@code t}. */
    protected abstract Tensor compute(Tensor s, Tensor t);

    @Override
    public final List<String> inputProblems(Map<String, Tensor> inputs) {
        List<String> problems = new ArrayList<>();
        pairProblems(studentArgument, inputs.get(studentArgument), teacherArgument, inputs.get(teacherArgument), problems);
        return problems;
    }

    /** Adds what is wrong with the pair; by default, unequal shapes. */
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        requireSameShape(sName, s, tName, t, problems);
    }
}
