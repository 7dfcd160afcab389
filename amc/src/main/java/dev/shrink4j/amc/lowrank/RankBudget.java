package dev.shrink4j.amc.lowrank;

/**
 * The rank a FLOPs ratio buys: {@code r = floor(ρ · MACs / MACs-per-rank)}, clamped to {@code [1, maxRank]}; a rank
 * whose pair would cost as many MACs as the layer or more is refused, naming the layer. Shared arithmetic of AMC's
 * per-layer FLOPs budgets (the lead may hoist it for channel pruning's kept counts).
 */
public final class RankBudget {

    private RankBudget() {
    }

    /**
     * Checks a FLOPs ratio.
     *
     * @param where the entry or layer, for the message ({@code config_list[0].compress_ratio})
     * @throws IllegalArgumentException {@code "<where>: 1.5 is outside (0, 1]"}
     */
    public static void checkRatio(String where, double ratio) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException(where + ": " + ratio + " is outside (0, 1]");
        }
    }

    /**
     * The rank of {@code layer} at FLOPs ratio {@code ratio}.
     *
     * @param macs        the layer's multiply-accumulates now (no bias)
     * @param macsPerRank what each unit of rank costs in the pair (no bias)
     * @param maxRank     the largest rank the factorization has
     * @throws IllegalArgumentException naming {@code layer} when the ratio is outside (0, 1] or the rank would not
     *                                  make the layer smaller
     */
    public static long rank(String layer, double ratio, long macs, long macsPerRank, long maxRank) {
        checkRatio(layer + ": FLOPs ratio", ratio);
        if (macs <= 0 || macsPerRank <= 0 || maxRank <= 0) {
            throw new IllegalArgumentException(layer + ": MACs " + macs + ", MACs per rank " + macsPerRank
                    + " and max rank " + maxRank + " must be positive");
        }
        long r = (long) Math.floor(ratio * macs / macsPerRank);
        r = Math.max(1, Math.min(maxRank, r));
        refuseIfNotSmaller(layer, r, macs, macsPerRank);
        return r;
    }

    /**
     * The largest rank whose pair still costs fewer MACs than the layer, capped at {@code maxRank}; 0 when even
     * rank 1 does not.
     */
    public static long largestUsefulRank(long macs, long macsPerRank, long maxRank) {
        return Math.min(maxRank, (macs - 1) / macsPerRank);
    }

    /**
     * Refuses rank {@code r} when its pair costs at least the layer's MACs.
     *
     * @throws IllegalArgumentException naming the layer, the rank and both costs
     */
    public static void refuseIfNotSmaller(String layer, long r, long macs, long macsPerRank) {
        if (r * macsPerRank >= macs) {
            throw new IllegalArgumentException(layer + ": rank " + r + " costs " + r * macsPerRank + " MACs ("
                    + macsPerRank + " per rank), not fewer than the layer's " + macs
                    + ": decomposing it would not make it smaller");
        }
    }
}
