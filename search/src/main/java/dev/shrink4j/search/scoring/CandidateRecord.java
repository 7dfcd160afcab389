package dev.shrink4j.search.scoring;

import java.util.Arrays;
import java.util.Objects;

/**
 * One line of a {@link CandidateLog}: which search scored which candidate, in which order, and what it got.
 *
 * @param search the search that wrote it ({@code "genetic"}, {@code "simulated-annealing"}, …)
 * @param index the candidate's position among the search's scored candidates, from 0
 * @param keepRatios the per-layer keep ratios (a defensive copy is kept and returned)
 * @param flopsRatio the FLOPs share the candidate keeps
 * @param reward its reward
 */
public record CandidateRecord(String search, long index, double[] keepRatios, double flopsRatio, double reward) {

    /** Copies the ratios and checks the fields. */
    public CandidateRecord {
        Objects.requireNonNull(search, "search");
        if (index < 0) {
            throw new IllegalArgumentException("candidate record: index " + index + " is negative");
        }
        keepRatios = keepRatios.clone();
    }

    /** A copy of the per-layer keep ratios. */
    @Override
    public double[] keepRatios() {
        return keepRatios.clone();
    }

    /** The score this record holds. */
    public Score score() {
        return new Score(reward, flopsRatio);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CandidateRecord r && search.equals(r.search) && index == r.index
                && Arrays.equals(keepRatios, r.keepRatios) && Double.compare(flopsRatio, r.flopsRatio) == 0
                && Double.compare(reward, r.reward) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(search, index, Arrays.hashCode(keepRatios), flopsRatio, reward);
    }

    @Override
    public String toString() {
        return "CandidateRecord[search=" + search + ", index=" + index + ", keepRatios=" + Arrays.toString(keepRatios)
                + ", flopsRatio=" + flopsRatio + ", reward=" + reward + "]";
    }
}
