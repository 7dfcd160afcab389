package dev.shrink4j.search.scoring;

import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic scorer with a known optimum: reward = −Σ (rᵢ − targetᵢ)², FLOPs share = Σ wᵢ·rᵢ / Σ wᵢ (FLOPs linear in
 * each layer's keep ratio). Records every candidate it scores, so tests can check budgets and duplicates.
 */
public final class SeparableScorer implements CandidateScorer {

    private final double[] target;
    private final double[] flopsWeights;
    /** Every array passed to {@link #score}, in order. */
    public final List<double[]> scored = new ArrayList<>();

    /** A scorer whose best keep ratios are {@code target}, with per-layer FLOPs weights. */
    public SeparableScorer(double[] target, double[] flopsWeights) {
        this.target = target.clone();
        this.flopsWeights = flopsWeights.clone();
    }

    @Override
    public int layerCount() {
        return target.length;
    }

    @Override
    public Score score(double[] keepRatios) {
        scored.add(keepRatios.clone());
        double loss = 0;
        for (int i = 0; i < target.length; i++) {
            loss += (keepRatios[i] - target[i]) * (keepRatios[i] - target[i]);
        }
        return new Score(-loss, flopsRatio(keepRatios));
    }

    @Override
    public double flopsRatio(double[] keepRatios) {
        double kept = 0;
        double total = 0;
        for (int i = 0; i < keepRatios.length; i++) {
            kept += flopsWeights[i] * keepRatios[i];
            total += flopsWeights[i];
        }
        return kept / total;
    }
}
