package dev.shrink4j.search.genetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.JsonLinesCandidateLog;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.search.scoring.SeparableScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneticTunerTest {

    private static final double[] TARGET = {0.40, 0.70, 0.22, 1.00};
    private static final double[] FLOPS_WEIGHTS = {1, 2, 3, 4};

    private static GeneticTuner.Builder tuner(SeparableScorer scorer, double budget) {
        return GeneticTuner.builder().setScorer(scorer).setFlopsBudget(budget).optSeed(7).optProgress(null);
    }

    @Test
    void gridIsMetaPruningsThirtyOneRatios() {
        RatioGrid grid = RatioGrid.metaPruning();
        assertEquals(31, grid.size());
        assertEquals(0.10, grid.ratio(0));
        assertEquals(0.13, grid.ratio(1));
        assertEquals(0.22, grid.ratio(4));
        assertEquals(1.00, grid.ratio(30));
    }

    @Test
    void findsTheKnownOptimumAndTheBestNeverWorsens() {
        SeparableScorer scorer = new SeparableScorer(TARGET, FLOPS_WEIGHTS);
        GeneticResult r = tuner(scorer, 0.7).optGenerations(30).build().search();
        assertArrayEquals(TARGET, r.bestKeepRatios());
        assertEquals(0.0, r.bestScore().reward(), 0.0); // −0.0 from −Σ0
        assertEquals((0.40 * 1 + 0.70 * 2 + 0.22 * 3 + 1.00 * 4) / 10, r.bestScore().flopsRatio(), 1e-15);
        double[] best = r.bestRewardPerGeneration();
        assertEquals(30, best.length);
        for (int g = 1; g < best.length; g++) {
            assertTrue(best[g] >= best[g - 1], "generation " + g + ": " + best[g] + " < " + best[g - 1]);
        }
        assertTrue(best[0] < 0, "the random generation should not already hold the optimum");
    }

    @Test
    void everyCandidateRespectsTheBudgetAndNoneIsScoredTwice() {
        // the unconstrained optimum keeps 0.646 of the FLOPs: a 0.5 budget makes the constraint bind
        SeparableScorer scorer = new SeparableScorer(TARGET, FLOPS_WEIGHTS);
        GeneticResult r = tuner(scorer, 0.5).optGenerations(10).build().search();
        Set<List<Double>> distinct = new HashSet<>();
        for (double[] c : scorer.scored) {
            assertTrue(scorer.flopsRatio(c) <= 0.5, "over budget: " + java.util.Arrays.toString(c));
            assertTrue(distinct.add(java.util.Arrays.stream(c).boxed().toList()), "scored twice: "
                    + java.util.Arrays.toString(c));
        }
        assertEquals(scorer.scored.size(), r.candidatesScored());
        // 50 random + up to 50 bred or random per generation
        assertTrue(scorer.scored.size() > 50 * 5, "only " + scorer.scored.size() + " candidates");
        assertTrue(r.bestScore().flopsRatio() <= 0.5);
    }

    /**
     * A scorer that, like the channel evaluator, prunes whole channels: layer {@code i} keeps
     * {@code max(1, round(r · width))} of {@code WIDTHS[i]}, and layer 0 reads the image, so its ratio changes nothing.
     * Reward and FLOPs depend only on the kept channels, which are the candidate key.
     */
    private static final class ChannelScorer implements CandidateScorer {
        private static final int[] WIDTHS = {1, 6, 16, 12};
        private static final double[] CHANNEL_TARGET = {1, 3.0 / 6, 16.0 / 16, 5.0 / 12};
        /** −Σ (kept share − target)², the separable reward over the kept channels' shares. */
        private final SeparableScorer reward = new SeparableScorer(CHANNEL_TARGET, new double[] {1, 1, 1, 1});
        final List<double[]> scored = new ArrayList<>();

        static double[] keptShare(double[] keepRatios) {
            double[] share = new double[WIDTHS.length];
            for (int i = 0; i < WIDTHS.length; i++) {
                share[i] = i == 0 ? 1 : Math.max(1, Math.round(keepRatios[i] * WIDTHS[i])) / (double) WIDTHS[i];
            }
            return share;
        }

        @Override
        public int layerCount() {
            return WIDTHS.length;
        }

        @Override
        public Score score(double[] keepRatios) {
            scored.add(keepRatios.clone());
            return new Score(reward.score(keptShare(keepRatios)).reward(), flopsRatio(keepRatios));
        }

        @Override
        public double flopsRatio(double[] keepRatios) {
            double[] share = keptShare(keepRatios);
            return (share[1] + 2 * share[1] * share[2] + share[2] * share[3]) / 4;
        }

        @Override
        public List<? extends Number> candidateKey(double[] keepRatios) {
            double[] share = keptShare(keepRatios);
            return java.util.stream.IntStream.range(0, WIDTHS.length).mapToObj(i -> Math.round(share[i] * WIDTHS[i])).toList();
        }
    }

    @Test
    void ratiosThatPruneToTheSameChannelsAreScoredOnce() {
        // 31 grid values give 6 widths of a 6-channel layer and one of the image layer: 6 × 16 × 12 = 1152 models
        ChannelScorer scorer = new ChannelScorer();
        GeneticResult r = GeneticTuner.builder().setScorer(scorer).setFlopsBudget(0.5).optSeed(7).optProgress(null)
                .optGenerations(8).optPopulation(16).optParents(4).optMutations(8).optCrossovers(8).build().search();
        Set<List<? extends Number>> models = new HashSet<>();
        for (double[] c : scorer.scored) {
            assertTrue(models.add(scorer.candidateKey(c)), "model scored twice: " + scorer.candidateKey(c)
                    + " (ratios " + java.util.Arrays.toString(c) + ")");
        }
        assertEquals(128, scorer.scored.size());   // every generation still scores 16 distinct models
        assertEquals(128, r.candidatesScored());
        // the target 1 3 16 5 keeps (0.5 + 2·0.5 + 5/12) / 4 = 0.479 of the FLOPs, inside the budget
        assertEquals(List.of(1L, 3L, 16L, 5L), scorer.candidateKey(r.bestKeepRatios()));
        assertEquals(0.0, r.bestScore().reward(), 0.0);
    }

    @Test
    void resumedFromItsLogContinuesIdentically(@TempDir Path dir) throws Exception {
        Path fullLog = dir.resolve("full.jsonl");
        GeneticResult full = tuner(new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.6).optGenerations(6)
                .optPopulation(16).optMutations(8).optCrossovers(8).optParents(4)
                .optLog(new JsonLinesCandidateLog(fullLog)).build().search();

        Path partLog = dir.resolve("part.jsonl");
        tuner(new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.6).optGenerations(3).optPopulation(16).optMutations(8)
                .optCrossovers(8).optParents(4).optLog(new JsonLinesCandidateLog(partLog)).build().search();
        long firstPart = Files.readAllLines(partLog).size();
        SeparableScorer resumedScorer = new SeparableScorer(TARGET, FLOPS_WEIGHTS);
        GeneticResult resumed = tuner(resumedScorer, 0.6).optGenerations(6).optPopulation(16).optMutations(8)
                .optCrossovers(8).optParents(4).optLog(new JsonLinesCandidateLog(partLog)).build().search();

        assertEquals(Files.readAllLines(fullLog), Files.readAllLines(partLog));
        assertArrayEquals(full.bestKeepRatios(), resumed.bestKeepRatios());
        assertArrayEquals(full.bestRewardPerGeneration(), resumed.bestRewardPerGeneration());
        assertEquals(firstPart, resumed.candidatesReplayed());
        // only the candidates after the first three generations were evaluated again
        assertEquals(full.candidatesScored() - firstPart, resumedScorer.scored.size());
    }

    @Test
    void refusesALogWrittenWithAnotherSeed(@TempDir Path dir) {
        Path log = dir.resolve("g.jsonl");
        tuner(new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.6).optGenerations(1).optPopulation(4)
                .optLog(new JsonLinesCandidateLog(log)).build().search();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tuner(
                new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.6).optSeed(8).optGenerations(2).optPopulation(4)
                .optLog(new JsonLinesCandidateLog(log)).build().search());
        assertTrue(e.getMessage().startsWith("candidate log " + log + " line 1: the log has keep ratios"), e.getMessage());
        assertTrue(e.getMessage().endsWith("the log was written with another seed or other settings"), e.getMessage());
    }

    @Test
    void refusesACorruptLogNamingTheFileAndLine(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("g.jsonl");
        Files.writeString(log, "{\"search\":\"genetic\",\"index\":0,\"keep_ratios\":[0.4,0.7,0.22,1.0],"
                + "\"flops_ratio\":0.646,\"reward\":0}\n{\"search\":\"gen");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tuner(
                new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.7).optLog(new JsonLinesCandidateLog(log)).build().search());
        assertTrue(e.getMessage().startsWith("candidate log " + log + " line 2: the last line has no newline"),
                e.getMessage());
    }

    @Test
    void rejectsABudgetOutsideTheOpenUnitInterval() {
        for (double bad : new double[] {0, 1, 1.5, -0.2, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tuner(new SeparableScorer(TARGET, FLOPS_WEIGHTS), bad).build());
            assertEquals("flops budget: " + bad + " is outside (0, 1)", e.getMessage());
        }
    }

    @Test
    void rejectsAnInfeasibleBudgetSayingWhatTheSmallestRatiosKeep() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tuner(new SeparableScorer(TARGET, FLOPS_WEIGHTS), 0.05).build().search());
        assertEquals("flops budget: 0.05 is infeasible: even every layer at keep ratio 0.1 keeps 0.1000 of the FLOPs",
                e.getMessage());
    }

    @Test
    void requiresTheScorer() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GeneticTuner.builder().setFlopsBudget(0.5).build());
        assertEquals("GeneticTuner: setScorer is required", e.getMessage());
    }

    @Test
    void logsEveryCandidateInOrder(@TempDir Path dir) {
        Path log = dir.resolve("g.jsonl");
        SeparableScorer scorer = new SeparableScorer(TARGET, FLOPS_WEIGHTS);
        tuner(scorer, 0.6).optGenerations(2).optPopulation(8).optLog(new JsonLinesCandidateLog(log)).build().search();
        List<CandidateRecord> records = new JsonLinesCandidateLog(log).read();
        assertEquals(scorer.scored.size(), records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).index());
            assertEquals("genetic", records.get(i).search());
            assertArrayEquals(scorer.scored.get(i), records.get(i).keepRatios());
            assertEquals(scorer.score(scorer.scored.get(i)).reward(), records.get(i).reward());
        }
    }
}
