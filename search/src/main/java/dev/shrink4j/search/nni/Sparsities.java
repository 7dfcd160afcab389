package dev.shrink4j.search.nni;

/** Conversions between the sparsities NNI's loops work in and the keep ratios a scorer takes. */
final class Sparsities {

    private Sparsities() {
    }

    /**
     * {@code 1 − sparsity} per layer, rounded to 12 decimals so that 1 − 0.7 is logged as 0.3 rather than
     * 0.30000000000000004 (no channel or weight count is fine enough to notice).
     */
    static double[] keepRatios(double[] sparsities) {
        double[] keep = new double[sparsities.length];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = Math.round((1 - sparsities[i]) * 1e12) / 1e12;
        }
        return keep;
    }

    /** The overall sparsity of the weights: Σ sᵢ·wᵢ / Σ wᵢ. */
    static double total(double[] sparsities, long[] weightCounts) {
        double pruned = 0;
        double total = 0;
        for (int i = 0; i < sparsities.length; i++) {
            pruned += sparsities[i] * weightCounts[i];
            total += weightCounts[i];
        }
        return pruned / total;
    }
}
