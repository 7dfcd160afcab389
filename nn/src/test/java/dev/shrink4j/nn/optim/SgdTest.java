package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static dev.shrink4j.nn.optim.OptimTesting.setGrad;
import static dev.shrink4j.nn.optim.OptimTesting.setGradOfSumOfSquares;
import static dev.shrink4j.nn.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SgdTest {

    private static final double TOL = 1e-12;

    /**
     * PyTorch's SGD update rule (torch/optim/sgd.py, single-tensor path), in double arithmetic, over
     * three steps of the gradient of sum(p²).
     */
    private static double[] reference(double[] start, double lr, double momentum, double dampening, double wd,
            boolean nesterov, int steps) {
        double[] p = start.clone();
        double[] buf = new double[p.length];
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = 2 * p[i] + wd * p[i];
                if (momentum != 0) {
                    buf[i] = t == 0 ? g : momentum * buf[i] + (1 - dampening) * g;
                    g = nesterov ? g + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * g;
            }
        }
        return p;
    }

    @ParameterizedTest(name = "lr={0} momentum={1} dampening={2} wd={3} nesterov={4}")
    @CsvSource({
        "0.1, 0.0, 0.0, 0.0,  false",
        "0.1, 0.9, 0.0, 0.0,  false",
        "0.1, 0.9, 0.5, 0.0,  false",
        "0.1, 0.9, 0.0, 0.01, true",
        "0.05, 0.8, 0.3, 0.1, false",
    })
    void threeStepsMatchPyTorchUpdateRule(double lr, double momentum, double dampening, double wd, boolean nesterov) {
        double[] start = {1.0, -2.0, 0.5};
        Tensor p = param(start);
        try (Sgd sgd = Sgd.builder().setLearningRate(lr).optMomentum(momentum).optDampening(dampening)
                .optWeightDecay(wd).optNesterov(nesterov).build(List.of(p))) {
            for (int t = 0; t < 3; t++) {
                setGradOfSumOfSquares(p);
                sgd.step();
            }
            assertEquals(3, sgd.stepCount());
        }
        assertArrayEquals(reference(start, lr, momentum, dampening, wd, nesterov, 3), values(p), TOL);
    }

    @Test
    void handComputedMomentumWithDampening() {
        // lr 0.1, momentum 0.9, dampening 0.5, grad fixed at 1:
        // buf 1 → p = -0.1; buf 0.9 + 0.5 = 1.4 → p = -0.24; buf 1.26 + 0.5 = 1.76 → p = -0.416
        Tensor p = param(0.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optDampening(0.5).build(List.of(p))) {
            double[] expected = {-0.1, -0.24, -0.416};
            for (double e : expected) {
                setGrad(p, 1.0);
                sgd.step();
                assertEquals(e, values(p)[0], TOL);
            }
        }
    }

    @Test
    void twoParamGroupsUseTheirOwnLearningRates() {
        Tensor a = param(1.0, 1.0);
        Tensor b = param(1.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(a))
                .addParamGroup(List.of(b), Sgd.builder().setLearningRate(0.5).optMomentum(0.9))) {
            assertEquals(2, sgd.paramGroups().size());
            assertEquals(0.1, sgd.paramGroups().get(0).learningRate());
            assertEquals(0.5, sgd.paramGroups().get(1).learningRate());
            assertEquals(List.of(b), sgd.paramGroups().get(1).params());
            for (int t = 0; t < 2; t++) {
                setGrad(a, 1.0, 2.0);
                setGrad(b, 1.0);
                sgd.step();
            }
            // a: plain SGD, two steps of 0.1·g; b: momentum 0.9, bufs 1 then 1.9, steps 0.5 and 0.95.
            assertArrayEquals(new double[] {0.8, 0.6}, values(a), TOL);
            assertArrayEquals(new double[] {1.0 - 0.5 - 0.95}, values(b), TOL);
        }
    }

    @Test
    void addParamGroupCopiesTheFirstGroupsMomentumWeightDecayAndCurrentRate() {
        Tensor a = param(1.0);
        Tensor b = param(2.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optWeightDecay(0.5).build(List.of(a))) {
            sgd.paramGroups().get(0).setLearningRate(0.2); // the current rate is copied, not the built one
            assertSame(sgd, sgd.addParamGroup(List.of(b)));
            assertEquals(2, sgd.paramGroups().size());
            assertEquals(0.2, sgd.paramGroups().get(1).learningRate());
            assertEquals(List.of(b), sgd.paramGroups().get(1).params());
            for (int t = 0; t < 2; t++) {
                setGrad(a, 0.0);
                setGrad(b, 1.0);
                sgd.step();
            }
            // b, gradient 1: g = 1 + 0.5·2 = 2, buf = 2, b = 2 − 0.2·2 = 1.6;
            // g = 1 + 0.5·1.6 = 1.8, buf = 0.9·2 + 1.8 = 3.6, b = 1.6 − 0.2·3.6 = 0.88
            assertArrayEquals(new double[] {0.88}, values(b), TOL);
        }
    }

    @Test
    void addParamGroupCopiesNesterovAndDampening() {
        Tensor a = param(1.0);
        Tensor b = param(1.0, -2.0);
        Tensor c = param(1.0, -2.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optNesterov(true).build(List.of(a));
                Sgd twin = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optNesterov(true).build(List.of(c))) {
            sgd.addParamGroup(List.of(b));
            for (int t = 0; t < 3; t++) {
                setGrad(a, 0.0);
                setGradOfSumOfSquares(b);
                setGradOfSumOfSquares(c);
                sgd.step();
                twin.step();
            }
            assertArrayEquals(reference(new double[] {1.0, -2.0}, 0.1, 0.9, 0, 0, true, 3), values(b), TOL);
            assertArrayEquals(values(c), values(b), TOL);
        }
    }

    @Test
    void addParamGroupRejectsAParameterOfTheFirstGroup() {
        Tensor a = param(1.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(a))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.addParamGroup(List.of(a)));
            assertEquals("Sgd: parameter 0 of group 1 already appears in group 0; a parameter may belong to one group only",
                    e.getMessage());
        }
    }

    @Test
    void runtimeLearningRateChangeTakesEffectOnTheNextStep() {
        Tensor p = param(1.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(p))) {
            setGrad(p, 1.0);
            sgd.step();
            assertEquals(0.9, values(p)[0], TOL);
            sgd.setLearningRate(0.01);
            assertEquals(0.01, sgd.learningRate());
            setGrad(p, 1.0);
            sgd.step();
            assertEquals(0.89, values(p)[0], TOL);
            sgd.paramGroups().get(0).setLearningRate(1.0);
            setGrad(p, 1.0);
            sgd.step();
            assertEquals(-0.11, values(p)[0], TOL);
        }
    }

    @Test
    void setLearningRateChangesEveryGroup() {
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(param(1.0)))
                .addParamGroup(List.of(param(2.0)), Sgd.builder().setLearningRate(0.5))) {
            sgd.setLearningRate(0.3);
            assertEquals(0.3, sgd.paramGroups().get(0).learningRate());
            assertEquals(0.3, sgd.paramGroups().get(1).learningRate());
        }
    }

    @Test
    void resetStateClearsMomentumSoTheNextStepIsAFreshFirstStep() {
        Tensor p = param(1.0, -2.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(List.of(p))) {
            for (int t = 0; t < 2; t++) {
                setGradOfSumOfSquares(p);
                sgd.step();
            }
            sgd.resetState();
            Tensor q = param(values(p));
            try (Sgd fresh = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(List.of(q))) {
                setGradOfSumOfSquares(p);
                sgd.step();
                setGradOfSumOfSquares(q);
                fresh.step();
                assertArrayEquals(values(q), values(p), TOL);
            }
            assertEquals(3, sgd.stepCount());
        }
    }

    @Test
    void resetStateKeepsEachGroupsCurrentLearningRate() {
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(param(1.0)))
                .addParamGroup(List.of(param(2.0)), Sgd.builder().setLearningRate(0.5))) {
            ParamGroup heldBefore = sgd.paramGroups().get(1);
            sgd.paramGroups().get(0).setLearningRate(0.7);
            heldBefore.setLearningRate(0.03);
            sgd.resetState();
            assertEquals(0.7, sgd.paramGroups().get(0).learningRate());
            assertEquals(0.03, sgd.paramGroups().get(1).learningRate());
            // a group obtained before the rebuild still talks to the live native optimizer
            heldBefore.setLearningRate(0.04);
            assertEquals(0.04, sgd.paramGroups().get(1).learningRate());
        }
    }

    @Test
    @SuppressWarnings("try")
    void stateBuiltInsideAScopeSurvivesIt() {
        Tensor p = param(0.0);
        Sgd sgd;
        try (PointerScope scope = new PointerScope()) {
            sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(List.of(p));
            setGrad(p, 1.0);
            sgd.step();
        }
        try (sgd) {
            for (int t = 0; t < 2; t++) {
                try (PointerScope step = new PointerScope()) {
                    setGrad(p, 1.0);
                    sgd.step();
                }
            }
            // bufs 1, 1.9, 2.71: p = -0.1·(1 + 1.9 + 2.71)
            assertEquals(-0.561, values(p)[0], TOL);
        }
    }

    @Test
    @SuppressWarnings("try")
    void closeReleasesTheNativeOptimizerAndResetStateTheOldOne() {
        // The native optimizer holds one reference to each parameter's TensorImpl: use_count shows
        // whether it (and the momentum state beside it) is still alive.
        Tensor a = param(1.0);
        Tensor b = param(2.0);
        long before = a.use_count();
        Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(List.of(a))
                .addParamGroup(List.of(b), Sgd.builder().setLearningRate(0.2));
        assertEquals(before + 1, a.use_count());
        assertEquals(before + 1, b.use_count());
        try (PointerScope step = new PointerScope()) { // frees the autograd temporaries of setGrad
            setGrad(a, 1.0);
            setGrad(b, 1.0);
            sgd.step();
        }
        assertEquals(before + 1, a.use_count());
        for (int i = 0; i < 3; i++) {
            sgd.resetState();
        }
        assertEquals(before + 1, a.use_count());
        assertEquals(before + 1, b.use_count());
        sgd.close();
        assertEquals(before, a.use_count());
        assertEquals(before, b.use_count());
    }

    @Test
    void zeroGradZeroesEveryGroupsGradients() {
        Tensor a = param(1.0);
        Tensor b = param(1.0);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(a))
                .addParamGroup(List.of(b), Sgd.builder().setLearningRate(0.1))) {
            setGrad(a, 3.0);
            setGrad(b, 4.0);
            sgd.zeroGrad();
            assertArrayEquals(new double[] {0.0}, values(a.grad()));
            assertArrayEquals(new double[] {0.0}, values(b.grad()));
        }
    }

    @Test
    void closeIsIdempotentAndLaterUseIsRejected() {
        Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(param(1.0)));
        sgd.close();
        sgd.close();
        assertTrue(sgd.isClosed());
        assertEquals("Sgd has been closed", assertThrows(IllegalStateException.class, sgd::step).getMessage());
        assertEquals("Sgd has been closed", assertThrows(IllegalStateException.class, sgd::learningRate).getMessage());
        assertEquals("Sgd has been closed", assertThrows(IllegalStateException.class, sgd::resetState).getMessage());
    }

    @Nested
    class RejectsBadOptions {

        private String message(Runnable r) {
            return assertThrows(IllegalArgumentException.class, r::run).getMessage();
        }

        @Test
        void learningRate() {
            assertEquals("Sgd: learning rate must be set", message(() -> Sgd.builder().build(List.of(param(1.0)))));
            assertEquals("Sgd: learning rate must be finite and non-negative, got -0.1",
                    message(() -> Sgd.builder().setLearningRate(-0.1).build(List.of(param(1.0)))));
            try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(param(1.0)))) {
                assertEquals("Sgd: learning rate must be finite and non-negative, got NaN",
                        message(() -> sgd.setLearningRate(Double.NaN)));
                assertEquals("Sgd: learning rate of group 0 must be finite and non-negative, got -1.0",
                        message(() -> sgd.paramGroups().get(0).setLearningRate(-1)));
                assertEquals(0.1, sgd.learningRate());
            }
        }

        @Test
        void momentumWeightDecayNesterov() {
            assertEquals("Sgd: momentum must be non-negative, got -0.5",
                    message(() -> Sgd.builder().setLearningRate(0.1).optMomentum(-0.5).build(List.of(param(1.0)))));
            assertEquals("Sgd: weight decay must be non-negative, got -1.0E-4",
                    message(() -> Sgd.builder().setLearningRate(0.1).optWeightDecay(-1e-4).build(List.of(param(1.0)))));
            assertEquals("Sgd: Nesterov momentum requires a momentum and zero dampening, got momentum 0.9, dampening 0.1",
                    message(() -> Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optDampening(0.1).optNesterov(true)
                            .build(List.of(param(1.0)))));
        }

        @Test
        void parameterLists() {
            Tensor p = param(1.0);
            assertEquals("Sgd: group 0 has an empty parameter list",
                    message(() -> Sgd.builder().setLearningRate(0.1).build(List.of())));
            assertEquals("Sgd: parameter 1 of group 0 is not a leaf tensor; only leaves can be optimized",
                    message(() -> Sgd.builder().setLearningRate(0.1).build(List.of(p, p.mul(p)))));
            assertEquals("Sgd: parameter 1 of group 0 already appears in group 0; a parameter may belong to one group only",
                    message(() -> Sgd.builder().setLearningRate(0.1).build(List.of(p, p))));
            try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(List.of(p))) {
                assertEquals("Sgd: parameter 0 of group 1 already appears in group 0; a parameter may belong to one group only",
                        message(() -> sgd.addParamGroup(List.of(p), Sgd.builder().setLearningRate(0.1))));
                assertEquals(1, sgd.paramGroups().size());
                assertSame(p, sgd.paramGroups().get(0).params().get(0));
            }
        }
    }
}
