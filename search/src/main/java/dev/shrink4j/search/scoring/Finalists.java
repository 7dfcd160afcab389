package dev.shrink4j.search.scoring;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The last stage of a search whose score has a random part (a short fine-tune on shuffled batches): the
 * {@code count} best distinct candidates of the search's log are scored again on {@code seeds − 1} more seeds of that
 * randomness, and the candidate of best <em>mean</em> reward wins, not the one that drew the luckiest score once. The
 * search's own score of a candidate is its first seed's, so {@code count · (seeds − 1)} candidates are scored.
 *
 * <p>Why: a search keeps the best score it met, and among close candidates the best single score is as much the
 * luckiest draw as the best candidate (on LeNet-5 the one-pass fine-tune score of one split moves by about as much as
 * the real differences between the splits a search ends among). Evaluating a search's top candidates longer before
 * choosing is what neural-architecture searches do with their top-k; here "longer" is more seeds of the same score,
 * so the choice stays on the held-out split the search scored on.
 */
public final class Finalists {

    /** Scores a candidate with a given seed of the score's random part (the short fine-tune's batch order). */
    @FunctionalInterface
    public interface SeededScorer {
        /** The reward of {@code keepRatios} scored with {@code seed}. */
        double reward(double[] keepRatios, long seed);
    }

    /**
     * One finalist after its extra scores.
     *
     * @param keepRatios the candidate as the search logged it
     * @param flopsRatio its FLOPs share as logged
     * @param rewards    its reward per seed: the logged one (seed {@code firstSeed}), then seeds {@code firstSeed + 1}…
     */
    public record Finalist(double[] keepRatios, double flopsRatio, double[] rewards) {

        /** Copies the arrays. */
        public Finalist {
            keepRatios = keepRatios.clone();
            rewards = rewards.clone();
        }

        /** A copy of the keep ratios. */
        @Override
        public double[] keepRatios() {
            return keepRatios.clone();
        }

        /** A copy of the rewards per seed. */
        @Override
        public double[] rewards() {
            return rewards.clone();
        }

        /** The mean reward over the seeds: what the finalists are ranked by. */
        public double meanReward() {
            return Arrays.stream(rewards).average().orElseThrow();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "Finalist[keepRatios=%s, flopsRatio=%.4f, rewards=%s, mean=%.6f]",
                    Arrays.toString(keepRatios), flopsRatio, Arrays.toString(rewards), meanReward());
        }
    }

    private final int count;
    private final int seeds;

    /**
     * Finalists of {@code count} candidates, each scored on {@code seeds} seeds in all.
     *
     * @throws IllegalArgumentException for a count below 1 or fewer than 2 seeds (one seed is the search's own choice)
     */
    public Finalists(int count, int seeds) {
        if (count < 1) {
            throw new IllegalArgumentException("finalists must be at least 1, got " + count);
        }
        if (seeds < 2) {
            throw new IllegalArgumentException("finalist seeds must be at least 2 (the first is the search's own score),"
                    + " got " + seeds);
        }
        this.count = count;
        this.seeds = seeds;
    }

    /**
     * The finalists among a search's logged candidates: those within {@code budget}, one per model
     * ({@link CandidateScorer#candidateKey}: the first-logged of equal keys, which is the one the search scored), the
     * {@code count} of highest reward, best first (equal rewards: the earlier logged first).
     */
    public List<CandidateRecord> pick(List<CandidateRecord> log, CandidateScorer scorer, double budget) {
        Set<List<? extends Number>> seen = new HashSet<>();
        List<CandidateRecord> distinct = new ArrayList<>();
        for (CandidateRecord r : log) {
            if (r.flopsRatio() <= budget && seen.add(scorer.candidateKey(r.keepRatios()))) {
                distinct.add(r);
            }
        }
        // a stable sort: equal rewards keep log order
        distinct.sort(Comparator.comparingDouble(CandidateRecord::reward).reversed());
        return List.copyOf(distinct.subList(0, Math.min(count, distinct.size())));
    }

    /**
     * Scores each picked candidate on seeds {@code firstSeed + 1 … firstSeed + seeds − 1} (its logged reward is seed
     * {@code firstSeed}'s), printing a progress line per finalist to {@code progress} (null: none).
     *
     * @return the finalists, in the order picked
     */
    public List<Finalist> rescore(List<CandidateRecord> picked, SeededScorer scorer, long firstSeed, PrintStream progress) {
        SearchProgress bar = new SearchProgress(progress, "finalists", picked.size());
        List<Finalist> out = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (CandidateRecord r : picked) {
            double[] rewards = new double[seeds];
            rewards[0] = r.reward();
            for (int i = 1; i < seeds; i++) {
                rewards[i] = scorer.reward(r.keepRatios(), firstSeed + i);
            }
            Finalist f = new Finalist(r.keepRatios(), r.flopsRatio(), rewards);
            out.add(f);
            best = Math.max(best, f.meanReward());
            bar.step(out.size(), best, (long) out.size() * (seeds - 1));
        }
        return List.copyOf(out);
    }

    /** The finalist of highest mean reward (equal means: the earlier, i.e. the better single score). */
    public static Finalist best(List<Finalist> finalists) {
        if (finalists.isEmpty()) {
            throw new IllegalArgumentException("no finalists: the search logged no candidate within the budget");
        }
        Finalist best = finalists.get(0);
        for (Finalist f : finalists) {
            if (f.meanReward() > best.meanReward()) {
                best = f;
            }
        }
        return best;
    }

    /** Candidates per finalist list. */
    public int count() {
        return count;
    }

    /** Seeds each finalist is scored on, the logged one included. */
    public int seeds() {
        return seeds;
    }
}
