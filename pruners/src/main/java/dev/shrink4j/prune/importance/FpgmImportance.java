package dev.shrink4j.prune.importance;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Filter pruning via geometric median (He et al., "Filter Pruning via Geometric Median for Deep
 * Convolutional Neural Networks Acceleration"; NNI's {@code FPGMPrunerMasker}): the importance of
 * filter {@code i} is {@code Σ_j ‖W_i − W_j‖₂}, its summed Euclidean distance to every filter of the
 * layer, on the stored (unmasked) weights flattened, as NNI computes it: the geometric median is the
 * layer's as trained, not pulled towards the origin by filters that are zero only through their mask
 * (allocators keep those pruned by their already-pruned rule). The filters closest to the geometric
 * median have the smallest sum: they are the most replaceable by the others and are pruned first.
 *
 * <p>Computed with one matrix product, not by looping over filters: the {@code [n, n]} squared
 * distances are {@code ‖W_i‖² + ‖W_j‖² − 2·W_i·W_j} (the form {@code torch.cdist} uses for large
 * inputs), clamped at 0, square-rooted and summed by row. Exact when the products are exact in float
 * (e.g. small integer weights); otherwise up to float rounding, which matters only between filters
 * whose summed distances differ by less than that.
 */
public final class FpgmImportance implements Importance {

    /** {@link Granularity#OUTPUT_UNIT}. */
    @Override
    public Granularity granularity() {
        return Granularity.OUTPUT_UNIT;
    }

    /** One summed distance per filter, {@code [out]}, on the stored weight. */
    @Override
    public Tensor scores(ImportanceInput input) {
        Tensor flat = input.weight().detach().flatten(1, -1).to(torch.ScalarType.Float).contiguous();
        // ‖a − b‖² = ‖a‖² + ‖b‖² − 2·a·b: one matrix product; clamped at 0 against rounding below zero.
        Tensor sq = flat.mul(flat).sum(1).unsqueeze(1);
        Tensor d2 = sq.add(sq.t()).sub(torch.mm(flat, flat.t()).mul(new Scalar(2)));
        return d2.clamp_min(new Scalar(0)).sqrt().sum(1);
    }
}
