package dev.shrink4j.distill.losses;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A loss on student and teacher logits {@code [N, C]} that also needs the ground-truth class of each
 * sample ({@code gt_labels}, class indices {@code [N]} of an integer type): DKD and WSLD.
 */
abstract class LabelledLogitsLoss extends DistillLoss {

    private final String studentArgument;
    private final String teacherArgument;

    LabelledLogitsLoss(String type, double lossWeight, String studentArgument, String teacherArgument) {
        super(type, lossWeight, studentArgument, teacherArgument, "gt_labels");
        this.studentArgument = studentArgument;
        this.teacherArgument = teacherArgument;
    }

    @Override
    protected final Tensor compute(Map<String, Tensor> inputs) {
        return compute(inputs.get(studentArgument), inputs.get(teacherArgument), inputs.get("gt_labels").reshape(-1));
    }

    /** The loss of student logits {@code s} against teacher logits {@code t} for class indices {@code labels [N]}. */
    protected abstract Tensor compute(Tensor s, Tensor t, Tensor labels);

    @Override
    public final List<String> inputProblems(Map<String, Tensor> inputs) {
        List<String> problems = new ArrayList<>();
        Tensor s = inputs.get(studentArgument);
        Tensor t = inputs.get(teacherArgument);
        Tensor labels = inputs.get("gt_labels");
        if (requireDims(studentArgument, s, 2, 2, problems)) {
            requireSameShape(studentArgument, s, teacherArgument, t, problems);
            if (labels.numel() != s.size(0)) {
                problems.add("gt_labels has shape " + shape(labels) + " but " + studentArgument + " has shape " + shape(s)
                        + "; expected one class index per sample");
            }
            logitsProblems(s, problems);
        }
        torch.ScalarType dtype = labels.scalar_type().intern();
        if (dtype != torch.ScalarType.Long) {
            problems.add("gt_labels has dtype " + dtype + "; expected class indices (Long)");
        } else if (s.dim() == 2 && labels.numel() > 0) {
            long min = labels.min().item_long();
            long max = labels.max().item_long();
            if (min < 0 || max >= s.size(1)) {
                problems.add("gt_labels holds class " + (min < 0 ? min : max) + " but " + studentArgument + " has "
                        + s.size(1) + " classes");
            }
        }
        return problems;
    }

    /** Adds loss-specific problems with well-shaped logits {@code [N, C]}; none by default. */
    protected void logitsProblems(Tensor logits, List<String> problems) {
    }
}
