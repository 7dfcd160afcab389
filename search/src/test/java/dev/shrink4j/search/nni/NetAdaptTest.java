package dev.shrink4j.search.nni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.search.scoring.CandidateRecord;
import dev.shrink4j.search.scoring.FunctionScorer;
import dev.shrink4j.search.scoring.MemoryCandidateLog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetAdaptTest {

    @Test
    void terminatesByHalvingTheStepWhenNoLayerQualifies() {
        // 200 weights, target 0.9 = 180, but no layer may pass 0.5: only 100 can go. Steps of 10 fill both layers in
        // ten iterations; then 10, 5, 2 and 1 find no layer and the step halves to 0, below the floor of 1.
        List<double[]> tuned = new ArrayList<>();
        FunctionScorer scorer = new FunctionScorer(2, k -> -(1 - k[0]) * (1 - k[0]) - (1 - k[1]) * (1 - k[1]));
        NetAdaptResult r = NetAdapt.builder().setScorer(scorer).setTargetSparsity(0.9).setLayerWeightCounts(100, 100)
                .optMaxLayerSparsity(0.5).optShortFineTune(k -> tuned.add(k.clone())).optProgress(null).build().search();
        assertArrayEquals(new double[] {0.5, 0.5}, r.sparsities(), 0.0);
        assertEquals(100, r.prunedWeights());
        assertEquals(180, r.targetWeights());
        assertFalse(r.reachedTarget());
        assertEquals(14, r.iterations());
        assertEquals(0, r.finalStep());
        // every scored candidate was fine-tuned first, with the same ratios
        assertEquals(scorer.scored.size(), tuned.size());
        for (int i = 0; i < tuned.size(); i++) {
            assertArrayEquals(tuned.get(i), scorer.scored.get(i), 0.0);
        }
        // the balanced reward alternates layers: first layer 0 (ties go to the first layer), then layer 1
        assertArrayEquals(new double[] {0.9, 1.0}, scorer.scored.get(0), 0.0);
        assertArrayEquals(new double[] {1.0, 0.9}, scorer.scored.get(1), 0.0);
    }

    @Test
    void reachesTheTargetExactlyPruningTheLayerTheRewardPrefers() {
        // 400 weights, target 0.5 = 200, step 20; the reward punishes pruning layer 0 ten times as much
        FunctionScorer scorer = new FunctionScorer(2, k -> -10 * (1 - k[0]) - (1 - k[1]));
        NetAdaptResult r = NetAdapt.builder().setScorer(scorer).setTargetSparsity(0.5).setLayerWeightCounts(100, 300)
                .optProgress(null).build().search();
        assertTrue(r.reachedTarget());
        assertEquals(200, r.prunedWeights());
        assertEquals(10, r.iterations());
        assertArrayEquals(new double[] {0.0, 200.0 / 300}, r.sparsities(), 1e-15);
    }

    @Test
    void resumedFromItsLogScoresOnlyTheCandidatesNotYetLogged() {
        MemoryCandidateLog full = new MemoryCandidateLog();
        NetAdaptResult whole = NetAdapt.builder().setScorer(new FunctionScorer(2, k -> -10 * (1 - k[0]) - (1 - k[1])))
                .setTargetSparsity(0.5).setLayerWeightCounts(100, 300).optLog(full).optProgress(null).build().search();
        // an interrupted run: the first 7 records of the full run
        MemoryCandidateLog part = new MemoryCandidateLog();
        full.read().subList(0, 7).forEach(part::append);
        FunctionScorer resumedScorer = new FunctionScorer(2, k -> -10 * (1 - k[0]) - (1 - k[1]));
        NetAdaptResult resumed = NetAdapt.builder().setScorer(resumedScorer).setTargetSparsity(0.5)
                .setLayerWeightCounts(100, 300).optLog(part).optProgress(null).build().search();
        assertEquals(full.read(), part.read());
        assertArrayEquals(whole.sparsities(), resumed.sparsities(), 0.0);
        assertEquals(full.read().size() - 7, resumedScorer.scored.size());
        CandidateRecord first = part.read().get(0);
        assertArrayEquals(new double[] {0.8, 1.0}, first.keepRatios(), 0.0); // 20 weights (5% of 400) from layer 0 of 100
    }

    @Test
    void stopsAtTheStopConditionAndNeverTriesALayerWhoseMaximumIsZero() {
        // 400 weights, step 5% = 20; layer 0 may not be pruned at all, so only layer 1 is tried; the stop condition
        // (layer 1 keeps at most 0.8 of its 300 weights, 60 pruned) holds after three steps of 20, long before 200
        FunctionScorer scorer = new FunctionScorer(2, k -> -(1 - k[0]) - (1 - k[1]));
        NetAdaptResult r = NetAdapt.builder().setScorer(scorer).setTargetSparsity(0.5).setLayerWeightCounts(100, 300)
                .optLayerMaxSparsities(0.0, 0.9).optStopWhen(k -> k[1] <= 0.8).optProgress(null).build().search();
        assertEquals(3, r.iterations());
        assertEquals(60, r.prunedWeights());
        assertFalse(r.reachedTarget());
        assertArrayEquals(new double[] {0.0, 0.2}, r.sparsities(), 1e-15);
        assertEquals(3, scorer.scored.size());
        for (double[] k : scorer.scored) {
            assertEquals(1.0, k[0], 0.0);
        }
    }
}
