package dev.shrink4j.prune.core;

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

    /**
     * A float mask shaped like {@code scores} with exactly {@code count} zeros at the lowest scores
     * (lower flat index first on ties).
     *
     * <p>Linear time rather than a full sort, since layers hold millions of weights: the
     * {@code count}-th smallest score {@code t} is found by selection ({@link #kthSmallest}); every score
     * below {@code t} is pruned, and of the scores equal to {@code t} the ones with the lowest indices
     * fill up to {@code count}. Equal to a stable ascending sort's first {@code count}, NaN ranking last;
     * when the threshold itself is NaN the stable sort is used.
     */
    public static Tensor keepMaskPruning(Tensor scores, long count) {
        Tensor flat = scores.detach().flatten().to(torch.ScalarType.Float);
        long n = flat.numel();
        if (count <= 0) {
            return torch.ones_like(flat).view(scores.shape());
        }
        if (count >= n) {
            return torch.zeros_like(flat).view(scores.shape());
        }
        Tensor threshold = kthSmallest(flat, count);
        if (threshold.isnan().item_bool()) {
            // kthvalue ranks NaN above every number, so only a NaN threshold needs the sort: below a
            // numeric threshold NaN is neither lt nor eq and is never pruned, as in the stable sort
            Tensor order = torch.argsort(flat, true, 0, false);
            return torch.ones_like(flat).scatter(0, order.narrow(0, 0, count), new Scalar(0f)).view(scores.shape());
        }
        Tensor atOrBelow = flat.le(threshold); // NaN is never le, so never pruned here
        if (atOrBelow.count_nonzero().item_long() == count) {
            // every tie goes: the usual case, and the one when recomputing at the same sparsity, where
            // the pruned weights tie at 0
            return atOrBelow.logical_not_().to(torch.ScalarType.Float).view(scores.shape());
        }
        Tensor pruned = flat.lt(threshold);
        long tiedToPrune = count - pruned.count_nonzero().item_long();
        pruned.index_fill_(0, flat.eq(threshold).nonzero().flatten().narrow(0, 0, tiedToPrune), new Scalar(1));
        return pruned.logical_not_().to(torch.ScalarType.Float).view(scores.shape());
    }

    /** Below this many scores {@link #kthSmallest} selects directly. */
    static final long SAMPLED_SELECTION_FROM = 1L << 16;
    /** The sample size of {@link #kthSmallest}. */
    private static final long SAMPLE = 1L << 15;
    /** Sample ranks either side of the target rank: about 8 standard deviations of its rank error. */
    private static final long MARGIN = 1024;

    /**
     * The {@code k}-th smallest (1-based) of {@code flat}, NaN ranking above every number, exactly as
     * {@code kthvalue}. For large inputs {@code kthvalue} (a single-threaded quickselect over a copy)
     * costs ~25 ns per element, so the bracket {@code [lo, hi]} around the answer is first estimated
     * from a strided sample; the elements below {@code lo} are counted and only those inside the
     * bracket are selected from (or {@code lo} itself is the answer when enough elements tie at it). When the bracket misses (the counts do not straddle {@code k}) the
     * whole input is selected from, so the result never depends on the sample.
     */
    static Tensor kthSmallest(Tensor flat, long k) {
        // counts use count_nonzero: summing a bool tensor widens it to int64 first, ~20x slower
        long n = flat.numel();
        if (n < SAMPLED_SELECTION_FROM) {
            return kth(flat, k);
        }
        long stride = n / SAMPLE;
        long m = n / stride;
        Tensor sample = flat.narrow(0, 0, m * stride).view(m, stride).select(1, 0).contiguous();
        long rank = Math.max(1, Math.min(m, (long) Math.ceil((double) k / n * m)));
        Tensor lo = kth(sample, Math.max(1, rank - MARGIN));
        Tensor hi = kth(sample, Math.min(m, rank + MARGIN));
        Tensor inBracket = flat.lt(lo);
        long below = inBracket.count_nonzero().item_long();
        inBracket = inBracket.logical_not_().logical_and_(flat.le(hi)); // lo <= x <= hi, reusing the buffer
        long inside = inBracket.count_nonzero().item_long();
        long need = k - below;
        if (need < 1 || need > inside) {
            return kth(flat, k); // the sample misled us: select from everything
        }
        if (inside > n / 8 && need <= flat.eq(lo).count_nonzero().item_long()) {
            return lo; // a large bracket from many ties at lo (e.g. at 0 after a pruning step): lo is the answer
        }
        return kth(flat.index_select(0, inBracket.nonzero().flatten()), need);
    }

    /**
     * {@code t.kthvalue(k)}'s values as a tensor of its own: {@code get0()} points into the returned
     * tuple, which the garbage collector may free while the value is still in use.
     */
    private static Tensor kth(Tensor t, long k) {
        return new Tensor(t.kthvalue(k).get0());
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
