package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.klPointwise;
import static dev.shrink4j.distill.losses.Functional.logSoftmax;
import static dev.shrink4j.distill.losses.Functional.scalar;
import static dev.shrink4j.distill.losses.Functional.softmax;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Hinton's knowledge distillation on logits (MMRazor's {@code KLDivergence}): the KL divergence of the
 * student's softened distribution from the teacher's,
 * {@code w·τ²·KL(softmax(T/τ) ‖ softmax(S/τ))} over dimension 1, reduced by {@code reduction}.
 * Forward arguments {@code preds_S}, {@code preds_T}: logits {@code [N, C]} or maps {@code [N, C, H, W]}
 * of the same shape.
 *
 * <p>Options (MMRazor's defaults): {@code tau} 1 (must be positive), {@code reduction}
 * {@code "batchmean"} (÷N; {@code "mean"} ÷ every element; {@code "sum"}; {@code "none"}),
 * {@code loss_weight} 1, {@code teacher_detach} true (the teacher's logits carry no gradient).
 */
public final class KLDivergence extends PairLoss {

    /** The config name. */
    public static final String TYPE = "KLDivergence";

    private final double tau;
    private final Reduction reduction;
    private final boolean teacherDetach;

    /** τ = 1, batchmean, weight 1, teacher detached. */
    public KLDivergence() {
        this(1.0, Reduction.BATCHMEAN, 1.0, true);
    }

    /**
     * @throws IllegalArgumentException when {@code tau} is not positive
     */
    public KLDivergence(double tau, Reduction reduction, double lossWeight, boolean teacherDetach) {
        super(TYPE, lossWeight, "preds_S", "preds_T");
        this.tau = positive("tau", tau);
        this.reduction = java.util.Objects.requireNonNull(reduction, "reduction");
        this.teacherDetach = teacherDetach;
    }

    static KLDivergence read(ConfigReader r) {
        return new KLDivergence(r.positive("tau", 1.0), Reduction.of(r.oneOf("reduction", "batchmean", Reduction.NAMES)),
                r.number("loss_weight", 1.0), r.bool("teacher_detach", true));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        Tensor teacher = teacherDetach ? t.detach() : t;
        Tensor kl = reduction.apply(klPointwise(logSoftmax(s, tau), softmax(teacher, tau)));
        return kl.mul(scalar(tau * tau)).mul(scalar(lossWeight()));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireDims(sName, s, 2, Integer.MAX_VALUE, problems)) {
            requireSameShape(sName, s, tName, t, problems);
        }
    }

    /** τ. */
    public double tau() {
        return tau;
    }

    /** How the pointwise divergence is reduced. */
    public Reduction reduction() {
        return reduction;
    }

    /** Whether the teacher's logits are detached. */
    public boolean teacherDetach() {
        return teacherDetach;
    }
}
