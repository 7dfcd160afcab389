package dev.shrink4j.prune.importance;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The built-in weight criteria, each a pure function of the weight and its mask (the data-driven one,
 * {@link CollectedChannelImportance}, has state of its own), and {@link #of} to make more.
 */
public final class Importances {

    /**
     * Fine-grained magnitude (NNI's {@code LevelPrunerMasker}; level, AGP-level and lottery-ticket pruning):
     * element {@code i} scores {@code |w_i · m_i|}, the magnitude of the already masked weight, so a weight
     * pruned before scores 0. {@link Granularity#ELEMENT}.
     */
    public static final Importance MAGNITUDE = of("magnitude", Granularity.ELEMENT, in -> in.maskedWeight().abs_());

    /**
     * Output units by the L1 norm {@code Σ |W_i|} of their masked weights (Li et al., "Pruning Filters for
     * Efficient ConvNets"; NNI's {@code L1FilterPrunerMasker}), so a unit pruned before scores 0; the L1 filter
     * pruner and AGP's {@code l1} criterion. {@link Granularity#OUTPUT_UNIT}.
     */
    public static final Importance L1_FILTER_NORM = of("L1 filter norm", Granularity.OUTPUT_UNIT,
            in -> perUnit(in).abs().sum(1));

    /**
     * Output units by the L2 norm {@code sqrt(Σ W_i²)} of their masked weights (NNI's
     * {@code L2FilterPrunerMasker}); the L2 filter pruner and AGP's {@code l2} criterion.
     * {@link Granularity#OUTPUT_UNIT}.
     */
    public static final Importance L2_FILTER_NORM = of("L2 filter norm", Granularity.OUTPUT_UNIT, in -> {
        Tensor flat = perUnit(in);
        return flat.mul(flat).sum(1).sqrt();
    });

    /**
     * Filter pruning via geometric median (He et al., "Filter Pruning via Geometric Median for Deep
     * Convolutional Neural Networks Acceleration"; NNI's {@code FPGMPrunerMasker}): filter {@code i} scores
     * {@code Σ_j ‖W_i − W_j‖₂}, its summed Euclidean distance to every filter of the layer, on the stored
     * (unmasked) weights flattened, as NNI computes it: the geometric median is the layer's as trained, not
     * pulled towards the origin by filters that are zero only through their mask (allocators keep those
     * pruned by their already-pruned rule). The filters closest to the geometric median have the smallest
     * sum: they are the most replaceable by the others and are pruned first. {@link Granularity#OUTPUT_UNIT}.
     *
     * <p>Computed with one matrix product, not by looping over filters: the {@code [n, n]} squared distances
     * are {@code ‖W_i‖² + ‖W_j‖² − 2·W_i·W_j} (the form {@code torch.cdist} uses for large inputs), clamped at
     * 0, square-rooted and summed by row. Exact when the products are exact in float (e.g. small integer
     * weights); otherwise up to float rounding, which matters only between filters whose summed distances
     * differ by less than that.
     */
    public static final Importance FPGM = of("FPGM", Granularity.OUTPUT_UNIT, Importances::geometricMedianDistances);

    /**
     * Network slimming's channel importance (Liu et al., "Learning Efficient Convolutional Networks through
     * Network Slimming"; NNI's {@code SlimPrunerMasker}): channel {@code c} of a batch-norm layer scores
     * {@code |γ_c · m_c|}, its scaling factor masked by the current {@code weight_mask}. A channel is an output
     * unit, so a pruned channel loses β (the bias) as well as γ; a weight that is not a 1-D γ is an
     * {@link IllegalArgumentException}. {@link Granularity#OUTPUT_UNIT}.
     */
    public static final Importance BATCH_NORM_SCALE = of("batch-norm scale", Granularity.OUTPUT_UNIT, in -> {
        if (in.weight().dim() != 1) {
            throw new IllegalArgumentException(in.layer() + ": batch-norm scale importance needs a 1-D weight γ, got shape "
                    + Arrays.toString(in.weight().shape()));
        }
        return in.maskedWeight().abs_();
    });

    private Importances() {
    }

    /**
     * An importance computing {@code scores}, which must return scores of {@code granularity}'s shape.
     *
     * @param name for {@code toString()}, e.g. in logs
     */
    public static Importance of(String name, Granularity granularity, Function<ImportanceInput, Tensor> scores) {
        return new FunctionImportance(name, granularity, scores);
    }

    /** An importance made of a function. */
    private record FunctionImportance(String name, Granularity granularity, Function<ImportanceInput, Tensor> function)
            implements Importance {

        FunctionImportance {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(granularity, "granularity");
            Objects.requireNonNull(function, "function");
        }

        @Override
        public Tensor scores(ImportanceInput input) {
            return function.apply(input);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The masked weight as {@code [out, rest]}, also for a 1-D weight (a view of the contiguous product). */
    private static Tensor perUnit(ImportanceInput in) {
        return in.maskedWeight().reshape(in.units(), -1);
    }

    private static Tensor geometricMedianDistances(ImportanceInput in) {
        Tensor flat = in.weight().detach().flatten(1, -1).to(torch.ScalarType.Float).contiguous();
        // ‖a − b‖² = ‖a‖² + ‖b‖² − 2·a·b: one matrix product; clamped at 0 against rounding below zero.
        Tensor sq = flat.mul(flat).sum(1).unsqueeze(1);
        Tensor d2 = sq.add(sq.t()).sub(torch.mm(flat, flat.t()).mul(new Scalar(2)));
        return d2.clamp_min(new Scalar(0)).sqrt().sum(1);
    }
}
