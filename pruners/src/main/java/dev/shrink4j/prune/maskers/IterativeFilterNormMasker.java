package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Filter masks by L1 or L2 norm for pruners that prune repeatedly (AGP with NNI's {@code 'l1'} /
 * {@code 'l2'} algorithm): NNI's {@code L1FilterPrunerMasker}/{@code L2FilterPrunerMasker} on the
 * masked weight {@code W · weight_mask}. Of the {@code n} filters (output units) the
 * {@code floor(n·s)} with the smallest norm are pruned ({@link Ranking}), on all their weights and
 * their bias; filters already fully pruned rank below every live filter (score −1), so masks are
 * nested while the sparsity grows.
 */
public final class IterativeFilterNormMasker implements WeightMasker {

    private final int p;

    private IterativeFilterNormMasker(int p) {
        this.p = p;
    }

    /** Ranks filters by {@code Σ |w|}. */
    public static IterativeFilterNormMasker l1() {
        return new IterativeFilterNormMasker(1);
    }

    /** Ranks filters by {@code sqrt(Σ w²)}. */
    public static IterativeFilterNormMasker l2() {
        return new IterativeFilterNormMasker(2);
    }

    /** The norm order, 1 or 2. */
    public int order() {
        return p;
    }

    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        Tensor mask = wrapper.getBuffer(Masks.WEIGHT_MASK);
        long filters = mask.size(0);
        Tensor masked = wrapper.weight().detach().mul(mask).reshape(filters, -1);
        Tensor norms = masked.norm(new ScalarOptional(new Scalar((double) p)), new long[] {1}, false);
        Tensor alive = mask.reshape(filters, -1).sum(1).gt(new Scalar(0.0)).to(norms.scalar_type());
        // dead filters: 0 - 1 = -1; live ones: norm - 0
        Tensor scores = norms.sub(alive.neg().add(new Scalar(1.0)));
        Tensor keep = Ranking.keepMask(scores, sparsity).to(mask.scalar_type());
        return new Masks(Ranking.expandToWeight(keep, mask), wrapper.hasBuffer(Masks.BIAS_MASK) ? keep : null);
    }
}
