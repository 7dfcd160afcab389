package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.rows;
import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The squared L2 distance between two features (MMRazor's {@code L2Loss}, FitNets' hint loss). With
 * {@code normalize} each sample is flattened and divided by its L2 norm (then multiplied by
 * {@code mult}); then {@code Σ(S − T)²}, and √ of it when {@code dist}, else ÷ the number of elements when
 * {@code div_element}, else ÷ N; times {@code loss_weight}. Forward arguments {@code s_feature},
 * {@code t_feature}.
 *
 * <p>Options (MMRazor's defaults): {@code loss_weight} 1, {@code normalize} true, {@code mult} 1,
 * {@code div_element} false, {@code dist} false. As in MMRazor the normalisation has no epsilon: a sample
 * whose feature is all zeros makes the loss NaN (training stops with a non-finite-loss error).
 * Shapes: with {@code normalize}, the same number of samples and of elements per sample; without, the
 * same shape.
 */
public final class L2Loss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "L2Loss";

    private final boolean normalize;
    private final double mult;
    private final boolean divElement;
    private final boolean dist;

    /** MMRazor's defaults: normalised, mult 1, ÷N, weight 1. */
    public L2Loss() {
        this(1.0, true, 1.0, false, false);
    }

    /** See the class description for the options. */
    public L2Loss(double lossWeight, boolean normalize, double mult, boolean divElement, boolean dist) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
        this.normalize = normalize;
        this.mult = finite("mult", mult);
        this.divElement = divElement;
        this.dist = dist;
    }

    static L2Loss read(ConfigReader r) {
        return new L2Loss(r.number("loss_weight", 1.0), r.bool("normalize", true), r.number("mult", 1.0),
                r.bool("div_element", false), r.bool("dist", false));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        if (normalize) {
            s = normalized(s);
            t = normalized(t);
        }
        Tensor loss = s.sub(t).square().sum();
        if (dist) {
            loss = loss.sqrt();
        } else {
            loss = loss.div(scalar((double) (divElement ? s.numel() : s.size(0))));
        }
        return loss.mul(scalar(lossWeight()));
    }

    private Tensor normalized(Tensor x) {
        Tensor flat = rows(x);
        return flat.div(flat.norm(new ScalarOptional(new Scalar(2.0)), new long[] {1}, true)).mul(scalar(mult));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (!normalize) {
            requireSameShape(sName, s, tName, t, problems);
        } else if (requireSameBatch(sName, s, tName, t, problems) && s.numel() != t.numel()) {
            problems.add(sName + " has shape " + shape(s) + " but " + tName + " has shape " + shape(t)
                    + "; normalised features need the same number of elements per sample");
        }
    }
}
