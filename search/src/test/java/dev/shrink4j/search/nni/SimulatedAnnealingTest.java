package dev.shrink4j.search.nni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.search.scoring.FunctionScorer;
import dev.shrink4j.search.scoring.JsonLinesCandidateLog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedAnnealingTest {

    private static final long[] WEIGHTS = {100, 300, 600};

    @Test
    void rescalingGivesTheLargestSparsityToTheLargestLayerAndHitsTheTarget() {
        // sorted 0.1, 0.2, 0.4 go to the layers of 100, 300, 600 weights: 10 + 60 + 240 = 310 of 1000 pruned;
        // scaled by 0.5 / 0.31 → 5/31, 10/31, 20/31
        double[] s = SimulatedAnnealing.rescale(new double[] {0.2, 0.4, 0.1}, WEIGHTS, 0.5);
        assertArrayEquals(new double[] {5.0 / 31, 10.0 / 31, 20.0 / 31}, s, 1e-15);
        assertEquals(0.5, Sparsities.total(s, WEIGHTS), 1e-15);
        // equal weight counts keep layer order
        assertArrayEquals(new double[] {0.1, 0.3}, SimulatedAnnealing.rescale(new double[] {0.6, 0.2}, new long[] {5, 5},
                0.2), 1e-15);
        assertNull(SimulatedAnnealing.rescale(new double[] {0, 0, 0}, WEIGHTS, 0.5));
    }

    @Test
    void acceptanceIsScaledSoAPointMatters() {
        assertEquals(Math.exp(-1), SimulatedAnnealing.acceptanceProbability(-0.01, 100, 10_000), 1e-15);
        assertEquals(Math.exp(-5), SimulatedAnnealing.acceptanceProbability(-0.01, 20, 10_000), 1e-15);
        assertEquals(Math.exp(-0.5), SimulatedAnnealing.acceptanceProbability(-0.001, 20, 10_000), 1e-15);
    }

    @Test
    void acceptsAWorseCandidateWithTheDocumentedProbability() {
        // two temperatures (100, 90), one try each: the first candidate is always accepted (nothing to beat), the
        // second is 0.005 worse and accepted with exp(−0.005·10000/90) = 0.5738
        double p = Math.exp(-0.005 * 10_000 / 90);
        int runs = 2000;
        int accepted = 0;
        for (int seed = 0; seed < runs; seed++) {
            int[] calls = {0};
            FunctionScorer scorer = new FunctionScorer(3, k -> calls[0]++ == 0 ? 0.9 : 0.895);
            SimulatedAnnealingResult r = SimulatedAnnealing.builder().setScorer(scorer).setTargetSparsity(0.5)
                    .setLayerWeightCounts(WEIGHTS).optStopTemperature(85).optMaxTriesPerTemperature(1).optSeed(seed)
                    .optProgress(null).build().search();
            assertEquals(2, r.temperatures());
            accepted += (int) r.worseAccepted();
        }
        double rate = (double) accepted / runs;
        // 3 standard deviations of a binomial rate over 2000 runs: ±0.033
        assertEquals(p, rate, 3 * Math.sqrt(p * (1 - p) / runs), "acceptance rate " + rate + " vs " + p);
    }

    @Test
    void everyCandidateHitsTheTargetAndTheBestIsKept() {
        // the reward prefers pruning the big layer: sparsities (0, 0, 5/6) would be ideal
        FunctionScorer scorer = new FunctionScorer(3, k -> k[0] + k[1] - 0.1 * (1 - k[2]));
        SimulatedAnnealingResult r = SimulatedAnnealing.builder().setScorer(scorer).setTargetSparsity(0.5)
                .setLayerWeightCounts(WEIGHTS).optSeed(3).optProgress(null).build().search();
        assertEquals(16, r.temperatures()); // 100·0.9^k > 20 for k = 0 … 15
        java.util.List<double[]> scored = java.util.List.copyOf(scorer.scored);
        assertEquals(scored.size(), r.candidatesScored());
        double bestSeen = Double.NEGATIVE_INFINITY;
        for (double[] keep : scored) {
            double[] s = {1 - keep[0], 1 - keep[1], 1 - keep[2]};
            assertEquals(0.5, Sparsities.total(s, WEIGHTS), 1e-9);
            bestSeen = Math.max(bestSeen, scorer.score(keep).reward());
        }
        assertEquals(bestSeen, r.bestScore().reward());
        assertTrue(r.bestSparsities()[2] > r.bestSparsities()[0], java.util.Arrays.toString(r.bestSparsities()));
    }

    @Test
    void resumedFromItsLogContinuesIdentically(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full.jsonl");
        Path part = dir.resolve("part.jsonl");
        SimulatedAnnealingResult whole = sa(new FunctionScorer(3, k -> k[0] * k[1] + k[2]), full, 20).search();
        sa(new FunctionScorer(3, k -> k[0] * k[1] + k[2]), part, 40).search(); // stops early: stop temperature 40
        long firstPart = Files.readAllLines(part).size();
        FunctionScorer resumedScorer = new FunctionScorer(3, k -> k[0] * k[1] + k[2]);
        SimulatedAnnealingResult resumed = sa(resumedScorer, part, 20).search();
        assertEquals(Files.readAllLines(full), Files.readAllLines(part));
        assertArrayEquals(whole.bestSparsities(), resumed.bestSparsities());
        assertEquals(whole.candidatesScored() - firstPart, resumedScorer.scored.size());
    }

    private static SimulatedAnnealing sa(FunctionScorer scorer, Path log, double stop) {
        return SimulatedAnnealing.builder().setScorer(scorer).setTargetSparsity(0.6).setLayerWeightCounts(WEIGHTS)
                .optStopTemperature(stop).optSeed(11).optLog(new JsonLinesCandidateLog(log)).optProgress(null).build();
    }

    @Test
    void rejectsATargetOutsideTheOpenUnitIntervalAndMismatchedCounts() {
        FunctionScorer scorer = new FunctionScorer(3, k -> 0);
        assertEquals("target sparsity: 1.0 is outside (0, 1)", assertThrows(IllegalArgumentException.class,
                () -> SimulatedAnnealing.builder().setScorer(scorer).setTargetSparsity(1.0).setLayerWeightCounts(WEIGHTS)
                        .build()).getMessage());
        assertEquals("layer weight counts: 2 counts for 3 prunable layers", assertThrows(IllegalArgumentException.class,
                () -> SimulatedAnnealing.builder().setScorer(scorer).setTargetSparsity(0.5).setLayerWeightCounts(1, 2)
                        .build()).getMessage());
    }
}
