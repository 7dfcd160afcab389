package dev.shrink4j.prune.allocate;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.importance.Granularity;
import dev.shrink4j.prune.importance.Importance;
import dev.shrink4j.prune.importance.ImportanceInput;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One layer as a {@link SparsityAllocator} sees it: an importance's scores, the layer's current weight
 * mask and its target sparsity. It holds the rule every allocator ranks by, once:
 * {@link #rankable()} puts units that are <em>already pruned</em> in the current mask before every
 * other unit, so recomputing masks at the same or a higher sparsity never revives a unit.
 *
 * @param layer       the layer's dotted name
 * @param granularity what the scores score (and so what a mask prunes)
 * @param scores      shaped like the weight ({@link Granularity#ELEMENT}) or {@code [out]}
 *                    ({@link Granularity#OUTPUT_UNIT}); lower is pruned first
 * @param weightMask  the current {@code weight_mask} (shaped like the weight)
 * @param hasBias     whether the layer has a bias mask, which a pruned output unit zeroes too
 * @param sparsity    the share of units to prune, in {@code [0, 1)}
 */
public record LayerScores(String layer, Granularity granularity, Tensor scores, Tensor weightMask, boolean hasBias,
        double sparsity) {

    /** @throws IllegalArgumentException when the scores' shape does not fit the granularity and the mask */
    public LayerScores {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(weightMask, "weightMask");
        long[] expected = granularity == Granularity.ELEMENT ? weightMask.shape() : new long[] {weightMask.size(0)};
        if (!Arrays.equals(scores.shape(), expected)) {
            throw new IllegalArgumentException(layer + ": " + granularity + " scores need shape " + Arrays.toString(expected)
                    + " for a weight of shape " + Arrays.toString(weightMask.shape()) + ", got " + Arrays.toString(scores.shape()));
        }
    }

    /** The scores {@code importance} gives the wrapped layer, with its current masks, at {@code sparsity}. */
    public static LayerScores of(ModuleWrapper wrapper, Importance importance, double sparsity) {
        Tensor scores = importance.scores(ImportanceInput.of(wrapper));
        return new LayerScores(wrapper.name(), importance.granularity(), scores, wrapper.getBuffer(Masks.WEIGHT_MASK),
                wrapper.hasBuffer(Masks.BIAS_MASK), sparsity);
    }

    /** How many units are ranked: the weight's elements, or its output units. */
    public long units() {
        return scores.numel();
    }

    /**
     * Where the current mask has pruned a unit (a bool tensor shaped like the scores): a weight whose
     * mask is 0, or an output unit whose mask is 0 over all its weights.
     */
    public Tensor alreadyPruned() {
        if (granularity == Granularity.ELEMENT) {
            return weightMask.eq(new Scalar(0));
        }
        // masks are 0/1, so a unit's largest mask value is 0 exactly when all of it is pruned
        Tensor perUnit = weightMask.dim() == 1 ? weightMask : weightMask.flatten(1, -1).amax(new long[] {1}, false);
        return perUnit.eq(new Scalar(0));
    }

    /**
     * The scores as float32 with every {@linkplain #alreadyPruned() already pruned} unit at
     * {@code −Float.MAX_VALUE}: below every score, so the pruned units are counted first, lower index first
     * among them; still above {@code −∞}, which a dependency group uses to force its common units.
     */
    public Tensor rankable() {
        return scores.to(torch.ScalarType.Float).masked_fill(alreadyPruned(), new Scalar(-Float.MAX_VALUE));
    }

    /**
     * The layer's masks for a keep mask over its units ({@code keep}: 1 keeps, 0 prunes; shaped like the
     * scores or flat with as many elements). Elements: the weight mask is {@code keep}, the bias mask is
     * left as it is (null). Output units: a unit's keep value covers all its weights (a broadcast view,
     * which the pruner copies into its buffer) and is the unit's bias mask.
     */
    public Masks masks(Tensor keep) {
        Tensor k = keep.to(weightMask.scalar_type());
        if (granularity == Granularity.ELEMENT) {
            return Masks.of(k.reshape(weightMask.shape()));
        }
        long[] unitShape = new long[(int) weightMask.dim()];
        Arrays.fill(unitShape, 1);
        unitShape[0] = weightMask.size(0);
        Tensor unitKeep = k.reshape(weightMask.size(0));
        return new Masks(unitKeep.view(unitShape).expand_as(weightMask), hasBias ? unitKeep : null);
    }
}
