package dev.shrink4j.search.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The finalists stage over a hand-made log: which candidates are picked, which seeds score them, which one wins. */
class FinalistsTest {

    /** Two layers; the key rounds each ratio to tenths (as a scorer rounding to channels would); FLOPs = mean ratio. */
    private static final CandidateScorer TENTHS = new CandidateScorer() {
        @Override
        public int layerCount() {
            return 2;
        }

        @Override
        public Score score(double[] keepRatios) {
            throw new AssertionError("the finalists stage scores through its SeededScorer only");
        }

        @Override
        public double flopsRatio(double[] keepRatios) {
            return (keepRatios[0] + keepRatios[1]) / 2;
        }

        @Override
        public List<Long> candidateKey(double[] keepRatios) {
            return List.of(Math.round(keepRatios[0] * 10), Math.round(keepRatios[1] * 10));
        }
    };

    private static CandidateRecord record(int index, double a, double b, double reward) {
        return new CandidateRecord("genetic", index, new double[] {a, b}, (a + b) / 2, reward);
    }

    /**
     * The log: #0 0.80; #1 0.90 over the budget (FLOPs 0.6 > 0.5); #2 0.85; #3 the same model as #2 (0.59 and 0.39 round
     * to 0.6 and 0.4) with a better score that a search could not have logged — the first of a key is the one kept; #4 0.70;
     * #5 0.85, equal to #2 (log order breaks the tie).
     */
    private static List<CandidateRecord> log() {
        return List.of(record(0, 0.5, 0.4, 0.80), record(1, 0.6, 0.6, 0.90), record(2, 0.6, 0.4, 0.85),
                record(3, 0.59, 0.39, 0.95), record(4, 0.3, 0.5, 0.70), record(5, 0.2, 0.3, 0.85));
    }

    @Test
    void picksTheBestDistinctCandidatesWithinTheBudgetBestFirst() {
        List<CandidateRecord> three = new Finalists(3, 2).pick(log(), TENTHS, 0.5);
        assertEquals(List.of(2L, 5L, 0L), three.stream().map(CandidateRecord::index).toList());
        // fewer candidates than asked: all of them, in order
        List<CandidateRecord> all = new Finalists(10, 2).pick(log(), TENTHS, 0.5);
        assertEquals(List.of(2L, 5L, 0L, 4L), all.stream().map(CandidateRecord::index).toList());
    }

    @Test
    void rescoresOnTheFollowingSeedsAndChoosesTheBestMean() {
        Finalists stage = new Finalists(3, 3);
        List<CandidateRecord> picked = stage.pick(log(), TENTHS, 0.5);
        // seed 7 is the logged score; seeds 8 and 9 are asked for. The rewards per (candidate, seed):
        // #2 (0.6, 0.4): 0.85 logged, then 0.80, 0.81 → mean 0.82
        // #5 (0.2, 0.3): 0.85 logged, then 0.84, 0.86 → mean 0.85 (the winner)
        // #0 (0.5, 0.4): 0.80 logged, then 0.90, 0.82 → mean 0.84
        List<String> asked = new ArrayList<>();
        Finalists.SeededScorer scorer = (keep, seed) -> {
            asked.add(keep[0] + "/" + keep[1] + "@" + seed);
            double first = keep[0] == 0.6 ? 0.80 : keep[0] == 0.2 ? 0.84 : 0.90;
            double second = keep[0] == 0.6 ? 0.81 : keep[0] == 0.2 ? 0.86 : 0.82;
            return seed == 8 ? first : seed == 9 ? second : Double.NaN;
        };
        List<Finalists.Finalist> finalists = stage.rescore(picked, scorer, 7, null);
        assertEquals(List.of("0.6/0.4@8", "0.6/0.4@9", "0.2/0.3@8", "0.2/0.3@9", "0.5/0.4@8", "0.5/0.4@9"), asked);
        assertArrayEquals(new double[] {0.85, 0.80, 0.81}, finalists.get(0).rewards());
        assertEquals(0.82, finalists.get(0).meanReward(), 1e-12);
        assertEquals(0.85, finalists.get(1).meanReward(), 1e-12);
        assertEquals(0.84, finalists.get(2).meanReward(), 1e-12);
        Finalists.Finalist best = Finalists.best(finalists);
        assertArrayEquals(new double[] {0.2, 0.3}, best.keepRatios());
        assertEquals(0.25, best.flopsRatio(), 1e-12);
    }

    @Test
    void equalMeansKeepTheBetterSingleScoreAndBadSettingsAreRefused() {
        Finalists.Finalist first = new Finalists.Finalist(new double[] {1, 1}, 1, new double[] {0.9, 0.7});
        Finalists.Finalist second = new Finalists.Finalist(new double[] {0.5, 0.5}, 0.5, new double[] {0.7, 0.9});
        assertArrayEquals(new double[] {1, 1}, Finalists.best(List.of(first, second)).keepRatios());

        assertEquals("finalists must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Finalists(0, 3)).getMessage());
        assertEquals("finalist seeds must be at least 2 (the first is the search's own score), got 1",
                assertThrows(IllegalArgumentException.class, () -> new Finalists(4, 1)).getMessage());
        assertEquals("no finalists: the search logged no candidate within the budget",
                assertThrows(IllegalArgumentException.class, () -> Finalists.best(List.of())).getMessage());
    }
}
