package dev.shrink4j.prune.importance;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * What an {@link Importance} scores: one layer's stored weight and its current weight mask (the base
 * mask, all ones before the first pruning step). Statistics gathered elsewhere (activations, Taylor
 * scores) are looked up by {@link #layer()}.
 *
 * @param layer      the layer's dotted name, for statistics and messages
 * @param weight     the stored (unmasked) weight, detached
 * @param weightMask the current {@code weight_mask}, shaped like the weight
 */
public record ImportanceInput(String layer, Tensor weight, Tensor weightMask) {

    /** @throws IllegalArgumentException when the mask's shape is not the weight's */
    public ImportanceInput {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(weightMask, "weightMask");
        if (!Arrays.equals(weight.shape(), weightMask.shape())) {
            throw new IllegalArgumentException(layer + ": the weight mask has shape " + Arrays.toString(weightMask.shape())
                    + " but the weight has " + Arrays.toString(weight.shape()));
        }
    }

    /** The input of a wrapped layer: its stored weight (detached) and its {@code weight_mask} buffer. */
    public static ImportanceInput of(ModuleWrapper wrapper) {
        return new ImportanceInput(wrapper.name(), wrapper.weight().detach(), wrapper.getBuffer(Masks.WEIGHT_MASK));
    }

    /** {@code weight * weight_mask}, detached (a temporary of the caller's scope): what most importances score. */
    public Tensor maskedWeight() {
        return weight.detach().mul(weightMask);
    }

    /** The number of output units, {@code weight.size(0)}. */
    public long units() {
        return weight.size(0);
    }
}
