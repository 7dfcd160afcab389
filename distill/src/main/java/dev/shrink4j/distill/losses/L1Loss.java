package dev.shrink4j.distill.losses;

import static dev.shrink4j.distill.losses.Functional.scalar;

import dev.shrink4j.distill.config.ConfigReader;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The mean absolute error between two features (MMRazor's {@code L1Loss}, PyTorch's {@code F.l1_loss}),
 * times {@code loss_weight}. Forward arguments {@code s_feature}, {@code t_feature} of the same shape.
 *
 * <p>Options: {@code loss_weight} 1, {@code reduction} {@code "mean"} ({@code "sum"}, {@code "none"}), and
 * PyTorch's deprecated {@code size_average} and {@code reduce} (null by default), which override
 * {@code reduction} as they do in PyTorch: {@code reduce: false} means {@code none}, else
 * {@code size_average: false} means {@code sum}, else {@code mean}. MMRazor also accepts
 * {@code "batchmean"}, which then fails inside {@code F.l1_loss}; here it is rejected with the config.
 */
public final class L1Loss extends PairLoss {

    /** The config name. */
    public static final String TYPE = "L1Loss";
    private static final List<String> REDUCTIONS = List.of("none", "mean", "sum");

    private final Reduction reduction;

    /** Mean, weight 1. */
    public L1Loss() {
        this(1.0, Reduction.MEAN);
    }

    /**
     * @throws IllegalArgumentException for {@link Reduction#BATCHMEAN}, which {@code F.l1_loss} does not have
     */
    public L1Loss(double lossWeight, Reduction reduction) {
        super(TYPE, lossWeight, "s_feature", "t_feature");
        if (reduction == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(TYPE + ": reduction must be one of " + String.join(", ", REDUCTIONS)
                    + ", got batchmean");
        }
        this.reduction = java.util.Objects.requireNonNull(reduction, "reduction");
    }

    static L1Loss read(ConfigReader r) {
        double weight = r.number("loss_weight", 1.0);
        Reduction reduction = Reduction.of(r.oneOf("reduction", "mean", REDUCTIONS));
        Boolean sizeAverage = nullableBool(r, "size_average");
        Boolean reduce = nullableBool(r, "reduce");
        if (sizeAverage != null || reduce != null) {
            // PyTorch's _Reduction.legacy_get_string: each unset flag counts as true.
            if (reduce != null && !reduce) {
                reduction = Reduction.NONE;
            } else {
                reduction = sizeAverage == null || sizeAverage ? Reduction.MEAN : Reduction.SUM;
            }
        }
        return new L1Loss(weight, reduction);
    }

    private static Boolean nullableBool(ConfigReader r, String key) {
        return !r.has(key) || r.isNull(key) ? null : r.bool(key, true);
    }

    @Override
    protected Tensor compute(Tensor s, Tensor t) {
        return reduction.apply(s.sub(t).abs()).mul(scalar(lossWeight()));
    }

    /** How the absolute errors are reduced. */
    public Reduction reduction() {
        return reduction;
    }
}
