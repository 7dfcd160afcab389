package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.normalize;
import static dev.shrink4j.distill.losses.Functional.rows;
import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Factor transfer (Kim et al., NeurIPS 2018; MMRazor's {@code FTLoss}): the mean absolute difference of
 * the L2-normalised, per-sample flattened factors, {@code w·mean|normalize(S) − normalize(T)|}. The
 * student's factor comes from a {@code Translator} connector, the teacher's from a {@code Paraphraser} in
 * its {@code train} phase. Forward arguments {@code s_feature}, {@code t_feature}: the same number of
 * samples and of elements per sample. Option: {@code loss_weight} 1.
 */
public final class FTLoss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "FTLoss";

    /** Weight 1. */
    public FTLoss() {
        this(1.0);
    }

    /** See the class description. */
    public FTLoss(double lossWeight) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
    }

    static FTLoss read(ConfigReader r) {
        return new FTLoss(r.number("loss_weight", 1.0));
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        return normalize(rows(s), 1).sub(normalize(rows(t), 1)).abs().mean().mul(scalar(lossWeight()));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireSameBatch(sName, s, tName, t, problems) && s.numel() != t.numel()) {
            problems.add(sName + " has shape " + shape(s) + " but " + tName + " has shape " + shape(t)
                    + "; the factors need the same number of elements per sample");
        }
    }
}
