package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import org.bytedeco.pytorch.Tensor;

/**
 * The partial L2 loss of overhaul feature distillation (Heo et al., ICCV 2019; MMRazor's
 * {@code OFDLoss}): squared differences only where they matter for the ReLU that follows,
 * {@code w·Σ(S − T)²·1(S > T ∨ T > 0) / N / mul_factor}. The teacher's feature is normally passed
 * through an {@code OFDTeacherConnector} (the margin) and the student's through a
 * {@code ConvModuleConnector}. Forward arguments {@code s_feature}, {@code t_feature} of the same shape.
 * Options: {@code loss_weight} 1, {@code mul_factor} 1000 (must be positive).
 */
public final class OFDLoss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "OFDLoss";

    private final double mulFactor;

    /** Weight 1, mul_factor 1000. */
    public OFDLoss() {
        this(1.0, 1000.0);
    }

    /**
     * @throws IllegalArgumentException when {@code mulFactor} is not positive
     */
    public OFDLoss(double lossWeight, double mulFactor) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
        this.mulFactor = positive("mul_factor", mulFactor);
    }

    static OFDLoss read(ConfigReader r) {
        return new OFDLoss(r.number("loss_weight", 1.0), r.positive("mul_factor", 1000.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        Tensor counted = s.gt(t).logical_or(t.gt(scalar(0.0)));
        Tensor sum = s.sub(t).square().mul(counted.type_as(s)).sum();
        return sum.div(scalar((double) s.size(0))).div(scalar(mulFactor)).mul(scalar(lossWeight()));
    }
}
