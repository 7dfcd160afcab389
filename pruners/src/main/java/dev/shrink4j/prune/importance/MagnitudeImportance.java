package dev.shrink4j.prune.importance;

import org.bytedeco.pytorch.Tensor;

/**
 * Fine-grained magnitude (NNI's {@code LevelPrunerMasker}, used by level, AGP-level and lottery-ticket
 * pruning): element {@code i} scores {@code |w_i · m_i|}, the magnitude of the already masked weight, so a
 * weight pruned before scores 0.
 */
public final class MagnitudeImportance implements Importance {

    /** {@link Granularity#ELEMENT}. */
    @Override
    public Granularity granularity() {
        return Granularity.ELEMENT;
    }

    /** {@code |weight · weight_mask|}, shaped like the weight. */
    @Override
    public Tensor scores(ImportanceInput input) {
        return input.maskedWeight().abs_(); // in place: the product is already a temporary
    }
}
