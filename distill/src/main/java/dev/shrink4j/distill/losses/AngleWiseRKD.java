package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.normalize;

import dev.shrink4j.distill.config.ConfigReader;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Angle-wise relational knowledge distillation (MMRazor's {@code AngleWiseRKD}): for every triple of
 * samples (i, j, k), the cosine of the angle at i between the unit vectors {@code xⱼ − xᵢ} and
 * {@code xₖ − xᵢ} ({@code N³} values, 0 where a vector is zero), compared by the smooth L1 loss. Forward arguments {@code preds_S},
 * {@code preds_T}. Options (MMRazor's defaults): {@code loss_weight} 50, {@code with_l2_norm} true.
 */
public final class AngleWiseRKD extends RelationalLoss {

    /** The config name. */
    public static final String TYPE = "AngleWiseRKD";

    /** Weight 50, normalised. */
    public AngleWiseRKD() {
        this(50.0, true);
    }

    /** See the class description. */
    public AngleWiseRKD(double lossWeight, boolean withL2Norm) {
        super(TYPE, lossWeight, withL2Norm);
    }

    static AngleWiseRKD read(ConfigReader r) {
        return new AngleWiseRKD(r.number("loss_weight", 50.0), r.bool("with_l2_norm", true));
    }

    @Override
    protected Tensor relation(Tensor x) {
        Tensor directions = normalize(x.unsqueeze(0).sub(x.unsqueeze(1)), 2);
        return torch.bmm(directions, directions.transpose(1, 2)).reshape(-1);
    }
}
