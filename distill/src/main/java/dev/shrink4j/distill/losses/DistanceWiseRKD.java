package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Distance-wise relational knowledge distillation (MMRazor's {@code DistanceWiseRKD}): the Euclidean
 * distances between every two samples of the batch ({@code √max(‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ, 1e-12)}, 0 on the
 * diagonal), divided by their mean over the positive entries, compared by the smooth L1 loss. Forward
 * arguments {@code preds_S}, {@code preds_T}. Options (MMRazor's defaults): {@code loss_weight} 25,
 * {@code with_l2_norm} true.
 */
public final class DistanceWiseRKD extends RelationalLoss {

    /** The config name. */
    public static final String TYPE = "DistanceWiseRKD";

    /** Weight 25, normalised. */
    public DistanceWiseRKD() {
        this(25.0, true);
    }

    /** See the class description. */
    public DistanceWiseRKD(double lossWeight, boolean withL2Norm) {
        super(TYPE, lossWeight, withL2Norm);
    }

    static DistanceWiseRKD read(ConfigReader r) {
        return new DistanceWiseRKD(r.number("loss_weight", 25.0), r.bool("with_l2_norm", true));
    }

    @Override
    protected Tensor relation(Tensor x) {
        long n = x.size(0);
        Tensor squares = x.square().sum(1);
        Tensor distance = squares.unsqueeze(1).add(squares.unsqueeze(0)).sub(x.mm(x.t()).mul(scalar(2.0)))
                .clamp_min(scalar(1e-12)).sqrt();
        Tensor diagonal = torch.eye(n, new TensorOptions(torch.ScalarType.Bool));
        distance = distance.masked_fill(diagonal, scalar(0.0));
        Tensor positiveMean = torch.masked_select(distance, distance.gt(scalar(0.0))).mean();
        return distance.div(positiveMean);
    }
}
