package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static dev.shrink4j.nn.optim.OptimTesting.setGrad;
import static dev.shrink4j.nn.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class StepLrTest {

    /** Learning rates of group 0 at epochs 0..n-1: after construction, then after each step. */
    private static List<Double> sequence(LrScheduler s, Optimizer o, int n) {
        List<Double> out = new ArrayList<>();
        out.add(o.learningRate());
        for (int i = 1; i < n; i++) {
            s.step();
            out.add(o.learningRate());
            assertEquals(o.learningRate(), s.lastLr());
        }
        return out;
    }

    @Test
    void decaysEveryStepSizeEpochsStartingAtEpochZero() {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))) {
            StepLr s = new StepLr(sgd, 2, 0.1);
            assertEquals(0, s.epoch());
            assertEquals(1.0, s.lastLr());
            // PyTorch: base · gamma ** (epoch // step_size); 0.1 ** 2 is 0.010000000000000002 in both languages
            assertEquals(List.of(1.0, 1.0, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1), sequence(s, sgd, 7));
            assertEquals(6, s.epoch());
        }
    }

    @Test
    void keepsEachGroupsBaseRate() {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))
                .addParamGroup(List.of(param(1.0)), Sgd.builder().setLearningRate(0.5))) {
            StepLr s = new StepLr(sgd, 1, 0.5);
            assertEquals(List.of(1.0, 0.5), s.baseLrs());
            s.step();
            s.step();
            assertEquals(List.of(0.25, 0.125), s.lastLrs());
            assertEquals(0.25, sgd.paramGroups().get(0).learningRate());
            assertEquals(0.125, sgd.paramGroups().get(1).learningRate());
        }
    }

    @Test
    void theScheduledRateDrivesTheNextOptimizerStep() {
        Tensor p = param(1.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(p))) {
            StepLr s = new StepLr(sgd, 1, 0.1);
            s.step();
            setGrad(p, 1.0);
            sgd.step();
            assertEquals(0.9, values(p)[0], 1e-15);
        }
    }

    @Test
    void aRateSetByHandIsReplacedAtTheNextSchedulerStep() {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))) {
            StepLr s = new StepLr(sgd, 10, 0.1);
            sgd.setLearningRate(0.3);
            s.step();
            assertEquals(1.0, sgd.learningRate());
        }
    }

    @Test
    void rejectsGroupsAddedLater() {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))) {
            StepLr s = new StepLr(sgd, 1, 0.1);
            sgd.addParamGroup(List.of(param(2.0)), Sgd.builder().setLearningRate(0.5));
            assertEquals("StepLr: the optimizer has 2 parameter groups but the scheduler was created with 1; "
                    + "create the scheduler after the last addParamGroup",
                    assertThrows(IllegalStateException.class, s::step).getMessage());
        }
    }
}
