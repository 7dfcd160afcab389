package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import org.bytedeco.pytorch.Tensor;

/** The weight a masker scores: the stored weight times the layer's current {@code weight_mask}. */
final class MaskedWeight {

    private MaskedWeight() {
    }

    /** {@code weight * weight_mask}, detached (a temporary of the caller's scope). */
    static Tensor of(ModuleWrapper wrapper) {
        return wrapper.weight().detach().mul(wrapper.getBuffer(Masks.WEIGHT_MASK));
    }
}
