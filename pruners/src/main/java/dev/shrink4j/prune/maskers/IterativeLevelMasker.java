package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Fine-grained magnitude masks for pruners that prune repeatedly (AGP, lottery ticket): NNI's
 * {@code LevelPrunerMasker} with its "apply base mask for iterative pruning" step. Of a weight's
 * {@code n} elements the {@code floor(n·s)} with the smallest {@code |W · weight_mask|} are pruned
 * ({@link Ranking}); weights already pruned rank below every live weight (score −1), so as long as
 * the sparsity does not decrease, a pruned weight stays pruned and masks are nested. The bias mask is
 * left as it is (NNI's level masker returns none).
 */
public final class IterativeLevelMasker implements WeightMasker {

    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        Tensor mask = wrapper.getBuffer(Masks.WEIGHT_MASK);
        Tensor live = wrapper.weight().detach().mul(mask).abs();
        // pruned entries: |W·0| = 0 → 0 - 1·1 = -1; live entries: |W| - 0
        Tensor scores = live.sub(mask.neg().add(new Scalar(1.0)));
        return Masks.of(Ranking.keepMask(scores, sparsity).to(mask.scalar_type()));
    }
}
