package dev.shrink4j.search.scoring;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A synthetic scorer whose reward is a given function of the keep ratios and whose FLOPs share is their mean; records
 * every candidate it scores.
 */
public final class FunctionScorer implements CandidateScorer {

    private final int layers;
    private final ToDoubleFunction<double[]> reward;
    /** Every array passed to {@link #score}, in order. */
    public final List<double[]> scored = new ArrayList<>();

    /** A scorer of {@code layers} layers rewarding {@code reward(keepRatios)}. */
    public FunctionScorer(int layers, ToDoubleFunction<double[]> reward) {
        this.layers = layers;
        this.reward = reward;
    }

    @Override
    public int layerCount() {
        return layers;
    }

    @Override
    public Score score(double[] keepRatios) {
        scored.add(keepRatios.clone());
        return new Score(reward.applyAsDouble(keepRatios.clone()), flopsRatio(keepRatios));
    }

    @Override
    public double flopsRatio(double[] keepRatios) {
        double sum = 0;
        for (double k : keepRatios) {
            sum += k;
        }
        return sum / keepRatios.length;
    }
}
