package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CosineAnnealingLrTest {

    private static final double TOL = 1e-15;

    @Test
    void followsTheClosedFormOverTwoGroups() {
        try (Sgd sgd = Sgd.builder().setLearningRate(1.0).build(List.of(param(1.0)))
                .addParamGroup(List.of(param(1.0)), Sgd.builder().setLearningRate(0.5))) {
            CosineAnnealingLr s = new CosineAnnealingLr(sgd, 4, 0.1);
            // etaMin + (base - etaMin)(1 + cos(π t / 4)) / 2, with cos(π/4) = √2/2
            double c1 = (1 + Math.sqrt(0.5)) / 2;
            double c3 = (1 - Math.sqrt(0.5)) / 2;
            double[][] expected = {
                {1.0, 0.5},
                {0.1 + 0.9 * c1, 0.1 + 0.4 * c1},
                {0.55, 0.3},
                {0.1 + 0.9 * c3, 0.1 + 0.4 * c3},
                {0.1, 0.1},
                {0.1 + 0.9 * c3, 0.1 + 0.4 * c3}, // past tMax the cosine rises again, as in PyTorch
            };
            for (int t = 0; t < expected.length; t++) {
                if (t > 0) {
                    s.step();
                }
                assertEquals(t, s.epoch());
                assertEquals(expected[t][0], s.lastLrs().get(0), TOL, "group 0 at epoch " + t);
                assertEquals(expected[t][1], s.lastLrs().get(1), TOL, "group 1 at epoch " + t);
                assertEquals(s.lastLrs().get(0), sgd.paramGroups().get(0).learningRate());
                assertEquals(s.lastLrs().get(1), sgd.paramGroups().get(1).learningRate());
            }
        }
    }

    @Test
    void annealsToZeroByDefault() {
        try (Adam adam = Adam.builder().setLearningRate(0.01).build(List.of(param(1.0)))) {
            CosineAnnealingLr s = new CosineAnnealingLr(adam, 2);
            s.step();
            assertEquals(0.005, s.lastLr(), TOL);
            s.step();
            assertEquals(0.0, s.lastLr());
            assertEquals(0.0, adam.learningRate());
        }
    }
}
