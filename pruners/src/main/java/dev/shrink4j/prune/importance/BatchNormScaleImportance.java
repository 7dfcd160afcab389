package dev.shrink4j.prune.importance;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * Network slimming's channel importance (Liu et al., "Learning Efficient Convolutional Networks through
 * Network Slimming"; NNI's {@code SlimPrunerMasker}): channel {@code c} of a batch-norm layer scores
 * {@code |γ_c · m_c|}, its scaling factor masked by the current {@code weight_mask}. A channel is an output
 * unit, so a pruned channel loses β (the bias) as well as γ.
 */
public final class BatchNormScaleImportance implements Importance {

    /** {@link Granularity#OUTPUT_UNIT}: one score per channel. */
    @Override
    public Granularity granularity() {
        return Granularity.OUTPUT_UNIT;
    }

    /**
     * {@code |γ · weight_mask|}, {@code [channels]}.
     *
     * @throws IllegalArgumentException when the weight is not a 1-D scale vector
     */
    @Override
    public Tensor scores(ImportanceInput input) {
        if (input.weight().dim() != 1) {
            throw new IllegalArgumentException(input.layer() + ": batch-norm scale importance needs a 1-D weight γ, got shape "
                    + Arrays.toString(input.weight().shape()));
        }
        return input.maskedWeight().abs_();
    }
}
