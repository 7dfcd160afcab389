package dev.shrink4j.prune;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.optim.Sgd;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LotteryTicketPrunerTest {

    static final ConfigList S80_N3 = ConfigList.fromJson(
            "[{\"sparsity\": 0.8, \"prune_iterations\": 3, \"op_types\": [\"Linear\"]}]");

    /** One training step on a fixed batch; returns the gradient the step used (a copy). */
    private static Tensor trainStep(AgpPrunerTest.Fc100 model, Sgd sgd, Tensor x) {
        sgd.zeroGrad();
        model.call(x).pow(new Scalar(2.0)).sum().backward();
        Tensor grad = model.fc.weight().grad().clone();
        sgd.step();
        return grad;
    }

    @Test
    void roundsPruneOneMinusKeepToTheKOverNAndRewindWeightsAndOptimizer() {
        torch.manual_seed(3);
        Tensor x = torch.randn(4, 10);
        try (AgpPrunerTest.Fc100 model = new AgpPrunerTest.Fc100();
                Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(model.parameters());
                LotteryTicketPruner lt = new LotteryTicketPruner(model, S80_N3, sgd)) {
            set(model.fc.weight(), AgpPrunerTest.WEIGHTS);
            Map<String, Tensor> initial = new LinkedHashMap<>();
            model.stateDict().forEach((k, t) -> initial.put(k, t.detach().clone()));
            lt.compress();
            assertEquals(List.of(0, 1, 2, 3), lt.getPruneIterations());
            // floor(100·(1 − 0.2^(k/3))): 1 − 0.2^(1/3) = 0.41519…, 1 − 0.2^(2/3) = 0.65800…, exactly 0.8 at k = 3
            long[] golden = {0, 41, 65, 80};
            float[] previous = new float[100];
            java.util.Arrays.fill(previous, 1f);
            for (int k = 0; k <= 3; k++) {
                float[] trained = values(model.fc.weight());
                lt.pruneIterationStart();
                assertEquals(k, lt.currentIteration());
                assertEquals(golden[k], (long) Math.floor(100 * LotteryTicketPruner.roundSparsity(0.8, 3, k)));
                float[] mask = values(lt.weightMask("fc"));
                long zeros = 0;
                float maxPruned = 0;
                float minKept = Float.MAX_VALUE;
                for (int i = 0; i < 100; i++) {
                    if (mask[i] == 0) {
                        zeros++;
                        if (previous[i] == 1) {
                            maxPruned = Math.max(maxPruned, Math.abs(trained[i]));
                        }
                    } else {
                        assertEquals(1f, previous[i], "round " + k + ": weight " + i + " was pruned before and must stay pruned");
                        minKept = Math.min(minKept, Math.abs(trained[i]));
                    }
                }
                assertEquals(golden[k], zeros, "round " + k);
                assertTrue(maxPruned <= minKept, "round " + k + ": pruned the smallest trained magnitudes");
                assertEquals(1.0 - (100 - golden[k]) / 100.0, lt.layerSparsity().get("fc"));
                for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
                    assertTrue(torch.equal(initial.get(e.getKey()), e.getValue()), "round " + k + ": " + e.getKey() + " rewound");
                }
                assertEquals(0.1, sgd.learningRate(), "learning rate restored");
                // a fresh optimizer's first momentum step is p − lr·grad exactly; stale momentum would add 0.9·buf
                Tensor before = model.fc.weight().detach().clone();
                Tensor grad = trainStep(model, sgd, x);
                assertTrue(torch.equal(before.add(grad, new Scalar(-0.1)), model.fc.weight()), "round " + k + ": optimizer state reset");
                sgd.setLearningRate(0.05);
                trainStep(model, sgd, x);
                trainStep(model, sgd, x);
                previous = mask;
            }
            IllegalStateException done = assertThrows(IllegalStateException.class, lt::pruneIterationStart);
            assertEquals("LotteryTicketPruner: all 4 rounds (0..3) have started; prune_iterations is 3", done.getMessage());
        }
    }

    @Test
    void withoutResetWeightsTheTrainedWeightsStay() {
        torch.manual_seed(3);
        Tensor x = torch.randn(4, 10);
        try (AgpPrunerTest.Fc100 model = new AgpPrunerTest.Fc100();
                Sgd sgd = Sgd.builder().setLearningRate(0.1).build(model.parameters());
                LotteryTicketPruner lt = new LotteryTicketPruner(model, S80_N3, sgd, false)) {
            lt.compress();
            lt.pruneIterationStart();
            trainStep(model, sgd, x);
            Tensor trained = model.fc.weight().detach().clone();
            lt.pruneIterationStart();
            assertTrue(torch.equal(trained, model.fc.weight()));
            assertFalse(torch.equal(trained, trained.mul(lt.weightMask("fc"))), "round 1 pruned some trained weights");
        }
    }

    @Test
    void unwrapReleasesTheRewindPointAndLeavesTheTrainedWeights() {
        torch.manual_seed(3);
        Tensor x = torch.randn(4, 10);
        try (AgpPrunerTest.Fc100 model = new AgpPrunerTest.Fc100();
                Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(model.parameters())) {
            int stateTensors = model.stateDict().size();
            for (int cycle = 0; cycle < 2; cycle++) {
                LotteryTicketPruner lt = new LotteryTicketPruner(model, S80_N3, sgd);
                lt.compress();
                assertEquals(stateTensors, lt.rewindTensorCount(), "a copy of every state-dict tensor");
                lt.pruneIterationStart();
                trainStep(model, sgd, x);
                lt.pruneIterationStart();
                trainStep(model, sgd, x);
                Tensor trained = model.fc.weight().detach().clone();
                lt.unwrap();
                assertEquals(0, lt.rewindTensorCount(), "unwrap, not only close, releases the snapshot");
                assertTrue(torch.equal(trained, model.fc.weight()), "unwrap rewinds nothing");
                assertEquals(java.util.Set.of(), model.fc.parametrizedNames());
                assertEquals(1, sgd.paramGroups().size());
            }
        }
    }

    @Test
    void aPrunerWithoutResetWeightsKeepsNoSnapshot() {
        try (AgpPrunerTest.Fc100 model = new AgpPrunerTest.Fc100();
                LotteryTicketPruner lt = new LotteryTicketPruner(model, S80_N3, null, false)) {
            lt.compress();
            assertEquals(0, lt.rewindTensorCount());
        }
    }

    @Test
    void entriesMustAgreeOnPruneIterations() {
        try (TestConvs.AddedConvs model = new TestConvs.AddedConvs(2, false);
                LotteryTicketPruner lt = new LotteryTicketPruner(model, ConfigList.fromJson("["
                        + "{\"sparsity\": 0.8, \"prune_iterations\": 3, \"op_names\": [\"a\"]},"
                        + "{\"sparsity\": 0.5, \"prune_iterations\": 2, \"op_names\": [\"b\"]}]"), null)) {
            ConfigException e = assertThrows(ConfigException.class, lt::compress);
            assertEquals(List.of("config_list[1].prune_iterations: 2 differs from config_list[0].prune_iterations: 3;"
                    + " all entries need the same value"), e.errors());
        }
    }
}
