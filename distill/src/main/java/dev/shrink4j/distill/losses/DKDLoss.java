package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.klPointwise;
import static dev.shrink4j.distill.losses.Functional.scalar;
import static dev.shrink4j.distill.losses.Functional.softmax;
import static dev.shrink4j.distill.losses.Functional.sumKeepDim;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Decoupled knowledge distillation (Zhao et al., CVPR 2022; MMRazor's {@code DKDLoss}): the KD loss split
 * into a target-class part and a non-target-class part, weighted separately,
 * {@code w·(α·TCKD + β·NCKD)}. TCKD is {@code τ²·KL} between the binary distributions
 * {@code [p_gt, 1 − p_gt]} of teacher and student (softmax at τ); NCKD is {@code τ²·KL} between
 * {@code softmax(z/τ − 1000·gt)} of teacher and student, i.e. the distribution over the other classes.
 * Forward arguments {@code preds_S}, {@code preds_T} (logits {@code [N, C]}) and {@code gt_labels}
 * (class indices {@code [N]}).
 *
 * <p>Options (MMRazor's defaults): {@code tau} 1, {@code alpha} 1, {@code beta} 1, {@code reduction}
 * {@code "batchmean"} ({@code "mean"}, {@code "sum"}), {@code loss_weight} 1. <b>This loss honours
 * {@code reduction}; MMRazor's ignores it</b>: it calls {@code F.kl_div(…, size_average=False,
 * reduction=…)}, and PyTorch's legacy {@code size_average=False} overrides the reduction to a sum, so MMRazor
 * always sums (its {@code batchmean} results are N times ours). {@code "none"} is rejected: TCKD is
 * {@code [N, 2]} and NCKD {@code [N, C]}, which cannot be added element by element.
 */
public final class DKDLoss extends LabelledLogitsLoss {

    /** The config name. */
    public static final String TYPE = "DKDLoss";
    private static final List<String> REDUCTIONS = List.of("batchmean", "mean", "sum");

    private final double tau;
    private final double alpha;
    private final double beta;
    private final Reduction reduction;

    /** τ = α = β = 1, batchmean, weight 1. */
    public DKDLoss() {
        this(1.0, 1.0, 1.0, Reduction.BATCHMEAN, 1.0);
    }

    /**
     * @throws IllegalArgumentException when {@code tau} is not positive, {@code alpha} or {@code beta} not
     *     finite, or the reduction is {@code none}
     */
    public DKDLoss(double tau, double alpha, double beta, Reduction reduction, double lossWeight) {
        super(TYPE, lossWeight, "preds_S", "preds_T");
        this.tau = positive("tau", tau);
        this.alpha = finite("alpha", alpha);
        this.beta = finite("beta", beta);
        if (reduction == Reduction.NONE) {
            throw new IllegalArgumentException(TYPE + ": reduction must be one of " + String.join(", ", REDUCTIONS)
                    + ", got none (TCKD is [N, 2] and NCKD [N, C])");
        }
        this.reduction = reduction;
    }

    static DKDLoss read(ConfigReader r) {
        return new DKDLoss(r.positive("tau", 1.0), r.number("alpha", 1.0), r.number("beta", 1.0),
                Reduction.of(r.oneOf("reduction", "batchmean", REDUCTIONS)), r.number("loss_weight", 1.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t, Tensor labels) {
        Tensor gt = torch.zeros_like(s).scatter(1, labels.unsqueeze(1), scalar(1.0));
        Tensor other = gt.neg().add(scalar(1.0));
        Tensor ps = softmax(s, tau);
        Tensor pt = softmax(t, tau);
        Tensor binaryS = torch.cat(new TensorVector(sumKeepDim(ps.mul(gt), 1), sumKeepDim(ps.mul(other), 1)), 1);
        Tensor binaryT = torch.cat(new TensorVector(sumKeepDim(pt.mul(gt), 1), sumKeepDim(pt.mul(other), 1)), 1);
        Tensor tckd = reduction.apply(klPointwise(binaryS.log(), binaryT)).mul(scalar(tau * tau));
        Tensor suppressTarget = gt.mul(scalar(1000.0));
        Tensor nckd = reduction.apply(klPointwise(torch.log_softmax(s.div(scalar(tau)).sub(suppressTarget), 1),
                torch.softmax(t.div(scalar(tau)).sub(suppressTarget), 1))).mul(scalar(tau * tau));
        return tckd.mul(scalar(alpha)).add(nckd.mul(scalar(beta))).mul(scalar(lossWeight()));
    }

    /** τ. */
    public double tau() {
        return tau;
    }

    /** The weight of TCKD. */
    public double alpha() {
        return alpha;
    }

    /** The weight of NCKD. */
    public double beta() {
        return beta;
    }

    /** How both KL terms are reduced. */
    public Reduction reduction() {
        return reduction;
    }
}
