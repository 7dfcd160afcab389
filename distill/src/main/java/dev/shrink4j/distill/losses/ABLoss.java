package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import org.bytedeco.pytorch.Tensor;

/**
 * Activation-boundary distillation (Heo et al., AAAI 2019; MMRazor's {@code ABLoss}): a piecewise
 * quadratic that pushes each student pre-activation to the side of zero the teacher's is on, with a
 * margin m: {@code Σ[(s+m)²·1(s > −m ∧ t ≤ 0) + (s−m)²·1(s ≤ m ∧ t > 0)] / N / 1000 · 3 · w}.
 * Forward arguments {@code s_feature}, {@code t_feature} of the same shape. Options: {@code loss_weight} 1,
 * {@code margin} 1. The teacher's feature only selects the terms, so it gets no gradient.
 */
public final class ABLoss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "ABLoss";

    private final double margin;

    /** Weight 1, margin 1. */
    public ABLoss() {
        this(1.0, 1.0);
    }

    /** See the class description. */
    public ABLoss(double lossWeight, double margin) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
        this.margin = finite("margin", margin);
    }

    static ABLoss read(ConfigReader r) {
        return new ABLoss(r.number("loss_weight", 1.0), r.number("margin", 1.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        Tensor teacherOff = s.gt(scalar(-margin)).logical_and(t.le(scalar(0.0)));
        Tensor teacherOn = s.le(scalar(margin)).logical_and(t.gt(scalar(0.0)));
        Tensor loss = s.add(scalar(margin)).square().mul(teacherOff.type_as(s))
                .add(s.sub(scalar(margin)).square().mul(teacherOn.type_as(s)));
        return loss.abs().sum().div(scalar((double) s.size(0))).div(scalar(1000.0)).mul(scalar(3.0)).mul(scalar(lossWeight()));
    }
}
