package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured pruning of a convolution's output filters (NNI's {@code StructuredWeightMasker}): the
 * shared counting and mask layout; subclasses only say how important each filter is.
 *
 * <p>Rule: the units are the {@code n = weight.size(0)} output filters of the masked weight
 * ({@code weight * weight_mask}); {@link #filterImportance(Tensor)} gives one score per filter and
 * exactly {@code floor(n·s)} filters are pruned, the lowest scores, lower filter index first on
 * ties ({@link Ranking}); filters already pruned (weight mask all zero) rank before all others, so
 * recomputing masks at the same or a higher sparsity never revives a filter (at a lower sparsity the
 * lower-index ones stay pruned). A pruned filter's weight mask is 0 over the whole filter, and the bias
 * mask follows the filter mask. A layer with fewer than 2 filters is skipped: its masks stay all
 * ones (logged), as in NNI.
 *
 * <p>For dependency-aware pruning, {@link #calcMask(double, ModuleWrapper, Tensor)} takes the filters
 * a channel-dependency group must prune in common; they are pruned first and the layer prunes its
 * remaining {@code floor(n·s) − common} filters by its own scores.
 */
public abstract class FilterMasker implements WeightMasker {

    private static final Logger LOG = LoggerFactory.getLogger(FilterMasker.class);

    /**
     * The importance of each output filter.
     *
     * @param maskedWeight the masked weight {@code [out, in/groups, kH, kW]}
     * @return a float tensor {@code [out]}; lower scores are pruned first
     */
    public abstract Tensor filterImportance(Tensor maskedWeight);

    /**
     * The importance of each output filter of the layer (a temporary), computed on
     * {@link #scoredWeight(ModuleWrapper)}.
     */
    public final Tensor importance(ModuleWrapper wrapper) {
        return filterImportance(scoredWeight(wrapper));
    }

    /**
     * The weight the importance is computed on: the masked weight {@code weight * weight_mask} by
     * default, so that a pruned filter scores as the zero filter it now is.
     */
    protected Tensor scoredWeight(ModuleWrapper wrapper) {
        return MaskedWeight.of(wrapper);
    }

    @Override
    public final Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        return calcMask(sparsity, wrapper, null);
    }

    /**
     * The layer's masks at {@code sparsity}, pruning the filters marked in {@code commonPruned}
     * before any other.
     *
     * @param commonPruned a bool or 0/1 tensor {@code [out]} (1 = must be pruned), or null; it must mark
     *                     at most {@code floor(n·sparsity)} filters
     */
    public final Masks calcMask(double sparsity, ModuleWrapper wrapper, Tensor commonPruned) {
        Tensor weight = wrapper.weight();
        long n = weight.size(0);
        Tensor unitMask;
        if (n < 2) {
            LOG.info("{} ({}) has {} filter(s): skipped, its masks stay all ones", wrapper.name(), wrapper.type(), n);
            unitMask = torch.ones(n);
        } else {
            Tensor scores = importance(wrapper).to(torch.ScalarType.Float);
            long count = Ranking.prunedCount(n, sparsity);
            // A filter already pruned (its weight mask all zero) ranks before every kept one, so
            // recomputing at the same or a higher sparsity never revives it; −MAX_VALUE stays above the
            // −∞ of the common filters below.
            // masks are 0/1, so a filter's largest mask value is 0 exactly when all of it is pruned
            Tensor alreadyPruned = wrapper.getBuffer(Masks.WEIGHT_MASK).flatten(1, -1).amax(new long[] {1}, false).eq(new Scalar(0));
            scores = scores.masked_fill(alreadyPruned, new Scalar(-Float.MAX_VALUE));
            if (commonPruned != null) {
                Tensor forced = commonPruned.to(torch.ScalarType.Bool);
                long forcedCount = forced.count_nonzero().item_long();
                if (forcedCount > count) {
                    throw new IllegalArgumentException(wrapper.name() + ": " + forcedCount + " filters must be pruned in"
                            + " common, more than floor(" + n + " * " + sparsity + ") = " + count);
                }
                // −∞ ranks the common filters first whatever the layer's own scores are.
                scores = scores.masked_fill(forced, new Scalar(Double.NEGATIVE_INFINITY));
            }
            unitMask = Ranking.keepMaskPruning(scores, count);
        }
        // a broadcast view, not a copy: the pruner copies it into the weight_mask buffer anyway
        long[] unitShape = new long[(int) weight.dim()];
        java.util.Arrays.fill(unitShape, 1);
        unitShape[0] = n;
        Tensor weightMask = unitMask.to(weight.scalar_type()).view(unitShape).expand_as(weight);
        Tensor bias = wrapper.bias();
        return new Masks(weightMask, bias == null ? null : unitMask.to(bias.scalar_type()));
    }
}
