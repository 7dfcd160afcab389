package dev.shrink4j.prune;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The counting rule every pruner shares: of {@code n} prunable units at sparsity {@code s}, exactly
 * {@code floor(n·s)} are pruned (NNI 2.x keeps {@code n − floor(n·s)}), the lowest-scoring ones,
 * and on equal scores the unit with the lower flat index goes first (a stable sort), so masks are
 * deterministic.
 */
public final class Ranking {

    private Ranking() {
    }

    /** {@code floor(n · sparsity)}, as NNI computes it ({@code int(n * sparsity)}). */
    public static long prunedCount(long n, double sparsity) {
        return (long) Math.floor(n * sparsity);
    }

    /**
     * A float mask shaped like {@code scores}: 0 for the {@code floor(numel · sparsity)} lowest
     * scores (lower flat index first on ties), 1 elsewhere.
     */
    public static Tensor keepMask(Tensor scores, double sparsity) {
        return keepMaskPruning(scores, prunedCount(scores.numel(), sparsity));
    }

    /** A float mask shaped like {@code scores} with exactly {@code count} zeros at the lowest scores. */
    public static Tensor keepMaskPruning(Tensor scores, long count) {
        Tensor flat = scores.detach().flatten().to(torch.ScalarType.Float);
        Tensor mask = torch.ones_like(flat);
        if (count > 0) {
            Tensor order = torch.argsort(flat, true, 0, false);
            mask = mask.scatter(0, order.narrow(0, 0, count), new Scalar(0f));
        }
        return mask.view(scores.shape());
    }

    /**
     * Expands a per-output-unit mask {@code [out]} to the shape of {@code weight}
     * ({@code [out, in, kH, kW]} or {@code [out, in]}): a filter's mask covers all its weights.
     */
    public static Tensor expandToWeight(Tensor unitMask, Tensor weight) {
        long[] shape = new long[(int) weight.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = weight.size(0);
        return unitMask.view(shape).expand_as(weight).contiguous().to(weight.scalar_type());
    }
}
