package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.normalize;
import static dev.shrink4j.distill.losses.Functional.rows;
import static dev.shrink4j.distill.losses.Functional.scalar;

import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The shared part of relational knowledge distillation (Park et al., CVPR 2019): both models' outputs are
 * flattened per sample and, with {@code with_l2_norm}, L2-normalised; a relation among the samples of the
 * batch (distances, angles) is computed for each and compared by the smooth L1 loss (β = 1, mean), times
 * {@code loss_weight}. Student and teacher may have different feature sizes, but the same batch of at
 * least two samples.
 */
abstract class RelationalLoss extends PairLoss {

    private final boolean withL2Norm;

    RelationalLoss(String type, double lossWeight, boolean withL2Norm) {
        super(type, lossWeight, "preds_S", "preds_T");
        this.withL2Norm = withL2Norm;
    }

    /** The relation among the rows of {@code x [N, D]}. */
    protected abstract Tensor relation(Tensor x);

    @Override
    protected final Tensor compute(Tensor s, Tensor t) {
        Tensor rs = rows(s);
        Tensor rt = rows(t);
        if (withL2Norm) {
            rs = normalize(rs, 1);
            rt = normalize(rt, 1);
        }
        return torch.smooth_l1_loss(relation(rs), relation(rt), 1 /* at::Reduction::Mean */, 1.0).mul(scalar(lossWeight()));
    }

    @Override
    protected final void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireSameBatch(sName, s, tName, t, problems) && s.size(0) < 2) {
            problems.add(sName + " has shape " + shape(s) + "; relations need a batch of at least 2 samples");
        }
    }

    /** Whether the outputs are L2-normalised per sample first. */
    public final boolean withL2Norm() {
        return withL2Norm;
    }
}
