package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Channel-wise distillation (Shu et al. 2021, MMRazor's {@code ChannelWiseDivergence}): each channel's
 * activation map is turned into a distribution over its {@code H·W} positions by a softmax at
 * temperature τ, and the student's is pulled towards the teacher's:
 * {@code w·τ²·Σ p_T·(log p_T − log p_S) / (N·C)}. Forward arguments {@code preds_S}, {@code preds_T}:
 * maps {@code [N, C, H, W]} of the same shape. Options: {@code tau} 1, {@code loss_weight} 1. The teacher's
 * maps are not detached (as in MMRazor); a frozen teacher's carry no gradient anyway.
 */
public final class ChannelWiseDivergence extends PairLoss {

    /** The config name. */
    public static final String TYPE = "ChannelWiseDivergence";

    private final double tau;

    /** τ = 1, weight 1. */
    public ChannelWiseDivergence() {
        this(1.0, 1.0);
    }

    /**
     * @throws IllegalArgumentException when {@code tau} is not positive
     */
    public ChannelWiseDivergence(double tau, double lossWeight) {
        super(TYPE, lossWeight, "preds_S", "preds_T");
        this.tau = positive("tau", tau);
    }

    static ChannelWiseDivergence read(ConfigReader r) {
        return new ChannelWiseDivergence(r.positive("tau", 1.0), r.number("loss_weight", 1.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        long n = s.size(0);
        long c = s.size(1);
        long hw = s.size(2) * s.size(3);
        Tensor logPs = torch.log_softmax(s.reshape(-1, hw).div(scalar(tau)), 1);
        Tensor logPt = torch.log_softmax(t.reshape(-1, hw).div(scalar(tau)), 1);
        Tensor sum = logPt.exp().mul(logPt.sub(logPs)).sum();
        return sum.mul(scalar(tau * tau)).mul(scalar(lossWeight())).div(scalar((double) (c * n)));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireDims(sName, s, 4, 4, problems) & requireDims(tName, t, 4, 4, problems)) {
            requireSameShape(sName, s, tName, t, problems);
        }
    }

    /** τ. */
    public double tau() {
        return tau;
    }
}
