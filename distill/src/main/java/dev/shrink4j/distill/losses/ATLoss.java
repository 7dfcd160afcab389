package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.normalize;
import static dev.shrink4j.distill.losses.Functional.rows;
import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Attention transfer (Zagoruyko and Komodakis, ICLR 2017; MMRazor's {@code ATLoss}): a feature map's
 * attention is the channel mean of its squares, flattened per sample and L2-normalised,
 * {@code a = normalize(mean_c(x²))}; the loss is {@code w·mean((a_S − a_T)²)}. Forward arguments
 * {@code s_feature}, {@code t_feature}: maps {@code [N, C, …]} whose channel counts may differ but whose
 * batch and spatial sizes must agree. Option: {@code loss_weight} 1.
 */
public final class ATLoss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "ATLoss";

    /** Weight 1. */
    public ATLoss() {
        this(1.0);
    }

    /** See the class description. */
    public ATLoss(double lossWeight) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
    }

    static ATLoss read(ConfigReader r) {
        return new ATLoss(r.number("loss_weight", 1.0));
    }

    private static Tensor attention(Tensor x) {
        return normalize(rows(x.square().mean(1)), 1);
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        return attention(s).sub(attention(t)).square().mean().mul(scalar(lossWeight()));
    }

    @Override
    protected void pairProblems(String sName, Tensor s, String tName, Tensor t, List<String> problems) {
        if (requireDims(sName, s, 2, Integer.MAX_VALUE, problems) & requireDims(tName, t, 2, Integer.MAX_VALUE, problems)) {
            long[] a = s.shape();
            long[] b = t.shape();
            boolean fits = a.length == b.length && a[0] == b[0]
                    && Arrays.equals(Arrays.copyOfRange(a, 2, a.length), Arrays.copyOfRange(b, 2, b.length));
            if (!fits) {
                problems.add(sName + " has shape " + shape(s) + " but " + tName + " has shape " + shape(t)
                        + "; attention maps need the same batch and spatial sizes (channels may differ)");
            }
        }
    }
}
