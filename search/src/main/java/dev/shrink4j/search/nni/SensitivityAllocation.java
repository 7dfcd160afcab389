package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.CandidateScorer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Turns a {@link SensitivityAnalysis} into keep ratios that meet a FLOPs budget, as NNI's sensitivity pruner
 * {@code normalize}s the per-layer ratios to its target: every layer's passing sparsity is scaled by one factor α,
 * {@code sparsity_i = min(α · passing_i, maxSparsity)}, and α is the smallest that brings the scorer's FLOPs share
 * within the budget (found by bisection; FLOPs never grow as α grows). Layers the analysis found most robust lose the
 * most; a layer that passes no sparsity stays whole.
 */
public final class SensitivityAllocation {

    private static final int BISECTIONS = 60;

    private SensitivityAllocation() {
    }

    /**
     * The keep ratios {@code 1 − min(α · passing_i, maxSparsity)} for the smallest α that meets {@code budget}.
     *
     * @param passing     each layer's passing sparsity ({@link SensitivityResult#passingSparsities()})
     * @param scorer      gives the FLOPs share of keep ratios
     * @param budget      the FLOPs share to reach, in (0, 1)
     * @param maxSparsity the most any layer may lose, in (0, 1) (1 − the lower bound of a keep ratio)
     * @throws IllegalArgumentException when even every layer at {@code maxSparsity}, where it passes any sparsity,
     *     stays over the budget (naming the layers that pass none)
     */
    public static double[] keepRatios(double[] passing, CandidateScorer scorer, double budget, double maxSparsity) {
        double smallest = Arrays.stream(passing).filter(p -> p > 0).min().orElse(0);
        double[] most = scaled(passing, Double.MAX_VALUE, maxSparsity);
        if (smallest == 0 || scorer.flopsRatio(most) > budget) {
            int[] none = java.util.stream.IntStream.range(0, passing.length).filter(i -> passing[i] == 0).toArray();
            throw new IllegalArgumentException(String.format(Locale.ROOT, "sensitivity: the FLOPs budget %s cannot be met"
                    + " by scaling the sensitivities: with every layer that passes a sparsity at %s the model keeps %.4f of"
                    + " its FLOPs; layers %s pass none, so raise max_drop", budget, maxSparsity,
                    scorer.flopsRatio(most), Arrays.toString(none)));
        }
        double lo = 0;
        double hi = maxSparsity / smallest;
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (lo + hi) / 2;
            if (scorer.flopsRatio(scaled(passing, mid, maxSparsity)) <= budget) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return scaled(passing, hi, maxSparsity);
    }

    private static double[] scaled(double[] passing, double alpha, double maxSparsity) {
        double[] s = new double[passing.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = passing[i] == 0 ? 0 : Math.min(alpha * passing[i], maxSparsity);
        }
        return Sparsities.keepRatios(s);
    }
}
