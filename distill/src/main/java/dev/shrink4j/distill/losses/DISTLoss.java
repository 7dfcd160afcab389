package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.meanKeepDim;
import static dev.shrink4j.distill.losses.Functional.scalar;
import static dev.shrink4j.distill.losses.Functional.softmax;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * DIST (Huang et al., NeurIPS 2022; MMRazor's {@code DISTLoss}): distillation by correlation instead of
 * exact match. With {@code y = softmax(z/τ)} over classes, the inter-class relation is
 * {@code 1 − mean over samples of Pearson(y_S[i,:], y_T[i,:])} and the intra-class relation the same over
 * classes (on the transposes); the loss is
 * {@code w·τ²·(inter_loss_weight·inter + intra_loss_weight·intra)}, Pearson computed as the cosine of the
 * centred rows with 1e-8 added to the product of norms. Forward arguments {@code logits_S},
 * {@code logits_T}: {@code [N, C]} of the same shape.
 *
 * <p>Options (MMRazor's names and defaults): {@code inter_loss_weight} 1, {@code intra_loss_weight} 1,
 * {@code tau} 1, {@code loss_weight} 1, {@code teacher_detach} true.
 */
public final class DISTLoss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "DISTLoss";
    private static final double EPS = 1e-8;

    private final double interLossWeight;
    private final double intraLossWeight;
    private final double tau;
    private final boolean teacherDetach;

    /** Both relations weighted 1, τ = 1, weight 1, teacher detached. */
    public DISTLoss() {
        this(1.0, 1.0, 1.0, 1.0, true);
    }

    /**
     * @throws IllegalArgumentException when {@code tau} is not positive or a relation weight not finite
     */
    public DISTLoss(double interLossWeight, double intraLossWeight, double tau, double lossWeight, boolean teacherDetach) {
        super(TYPE, lossWeight, "logits_S", "logits_T");
        this.interLossWeight = finite("inter_loss_weight", interLossWeight);
        this.intraLossWeight = finite("intra_loss_weight", intraLossWeight);
        this.tau = positive("tau", tau);
        this.teacherDetach = teacherDetach;
    }

    static DISTLoss read(ConfigReader r) {
        return new DISTLoss(r.number("inter_loss_weight", 1.0), r.number("intra_loss_weight", 1.0), r.positive("tau", 1.0),
                r.number("loss_weight", 1.0), r.bool("teacher_detach", true));
    }

    /** The mean over rows of the Pearson correlation of {@code a}'s and {@code b}'s rows, subtracted from 1. */
    private static Tensor relation(Tensor a, Tensor b) {
        Tensor ca = a.sub(meanKeepDim(a, 1));
        Tensor cb = b.sub(meanKeepDim(b, 1));
        ScalarOptional two = new ScalarOptional(new Scalar(2.0));
        Tensor cosine = ca.mul(cb).sum(1).div(ca.norm(two, 1).mul(cb.norm(two, 1)).add(scalar(EPS)));
        return cosine.mean().neg().add(scalar(1.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        Tensor ys = softmax(s, tau);
        Tensor yt = softmax(teacherDetach ? t.detach() : t, tau);
        Tensor inter = relation(ys, yt).mul(scalar(tau * tau));
        Tensor intra = relation(ys.t(), yt.t()).mul(scalar(tau * tau));
        return inter.mul(scalar(interLossWeight)).add(intra.mul(scalar(intraLossWeight))).mul(scalar(lossWeight()));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireDims(sName, s, 2, 2, problems)) {
            requireSameShape(sName, s, tName, t, problems);
        }
    }
}
