package dev.shrink4j.prune;

import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * The masks a {@link WeightMasker} computed for one layer: 1 keeps a weight, 0 prunes it.
 *
 * @param weightMask same shape as the layer's weight
 * @param biasMask   same shape as the bias; null exactly when the layer has no bias
 */
public record Masks(Tensor weightMask, Tensor biasMask) {

    public Masks {
        Objects.requireNonNull(weightMask, "weightMask");
    }

    /** Masks for a layer without bias. */
    public static Masks of(Tensor weightMask) {
        return new Masks(weightMask, null);
    }
}
