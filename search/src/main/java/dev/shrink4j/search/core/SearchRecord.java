package dev.shrink4j.search.core;

import java.util.Arrays;

/**
 * One evaluated candidate of a search (an AMC episode, a genetic individual, an annealing step): the keep
 * ratio of every prunable layer, the FLOPs they give and the reward they scored.
 *
 * @param episode the candidate's number in the search, from 0
 * @param ratios  keep ratio per prunable layer
 * @param flops   FLOPs of the pruned model
 * @param reward  the score (higher is better)
 */
public record SearchRecord(int episode, double[] ratios, long flops, double reward) {

    /** Copies the ratios, so the record is immutable. */
    public SearchRecord {
        ratios = ratios.clone();
    }

    /** A copy of the ratios. */
    @Override
    public double[] ratios() {
        return ratios.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchRecord r && r.episode == episode && Arrays.equals(r.ratios, ratios)
                && r.flops == flops && Double.compare(r.reward, reward) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * episode + Arrays.hashCode(ratios)) + Long.hashCode(flops)) + Double.hashCode(reward);
    }

    @Override
    public String toString() {
        return "episode " + episode + " ratios " + Arrays.toString(ratios) + " flops " + flops + " reward " + reward;
    }
}
