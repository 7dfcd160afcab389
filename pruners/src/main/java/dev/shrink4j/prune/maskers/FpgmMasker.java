package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Filter pruning via geometric median (He et al., "Filter Pruning via Geometric Median for Deep
 * Convolutional Neural Networks Acceleration"; NNI's {@code FPGMPrunerMasker}): the importance of
 * filter {@code i} is {@code Σ_j ‖W_i − W_j‖₂}, its summed Euclidean distance to every filter of the
 * layer, on the stored (unmasked) weights flattened, as NNI computes it: the geometric median is the
 * layer's as trained, not pulled towards the origin by filters that are zero only through their mask
 * (those are kept pruned by {@link FilterMasker}'s already-pruned rule). The filters closest to the geometric median have the smallest
 * sum: they are the most replaceable by the others and are pruned first. Counting and layout:
 * {@link FilterMasker}.
 *
 * <p>Computed in one {@code torch.cdist} call (an {@code [n, n]} distance matrix, summed by row),
 * not by looping over filters; for more than 25 filters cdist uses its matrix-product form, exact
 * up to float rounding.
 */
public final class FpgmMasker extends FilterMasker {

    /** The stored weight, detached: distances are measured between the layer's trained filters. */
    @Override
    protected Tensor scoredWeight(ModuleWrapper wrapper) {
        return wrapper.weight().detach();
    }

    @Override
    public Tensor filterImportance(Tensor maskedWeight) {
        Tensor flat = maskedWeight.flatten(1, -1).contiguous();
        return torch.cdist(flat, flat).sum(1);
    }
}
