package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Fine-grained magnitude pruning (NNI's {@code LevelPrunerMasker}).
 *
 * <p>Rule: the units are the {@code n} elements of the weight and each scores {@code |w · m|}, the
 * magnitude of the already masked weight ({@code m} = current {@code weight_mask}). Exactly
 * {@code floor(n·s)} elements are pruned, the lowest scores, lower flat (row-major) index first on
 * ties ({@link Ranking}); when {@code floor(n·s) = 0} (also for an empty weight) the mask is all ones.
 * The bias is not pruned: its mask is all ones.
 */
public final class LevelMasker implements WeightMasker {

    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        Tensor scores = MaskedWeight.of(wrapper).abs_(); // in place: the product is already a temporary
        Tensor weightMask = Ranking.keepMask(scores, sparsity).to(wrapper.weight().scalar_type());
        return new Masks(weightMask, wrapper.bias() == null ? null : torch.ones_like(wrapper.bias()));
    }
}
