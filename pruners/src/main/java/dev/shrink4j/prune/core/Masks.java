package dev.shrink4j.prune.core;

import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * The masks a {@link WeightMasker} computed for one layer: 1 keeps a weight, 0 prunes it.
 *
 * @param weightMask same shape as the layer's weight
 * @param biasMask   same shape as the bias, or null to leave the bias mask as it is (a layer without bias,
 *                   or a rule that does not prune the bias)
 */
public record Masks(Tensor weightMask, Tensor biasMask) {

    /** Buffer name of the weight mask in a pruned layer's wrapper. */
    public static final String WEIGHT_MASK = "weight_mask";
    /** Buffer name of the bias mask in a pruned layer's wrapper. */
    public static final String BIAS_MASK = "bias_mask";

    public Masks {
        Objects.requireNonNull(weightMask, "weightMask");
    }

    /** Masks that leave the bias mask as it is. */
    public static Masks of(Tensor weightMask) {
        return new Masks(weightMask, null);
    }
}
