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
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class AdamTest {

    private static final double TOL = 1e-12;

    /** The options of one parameter group: learning rate, betas, eps, weight decay, AMSGrad. */
    private record Hyper(double lr, double b1, double b2, double eps, double wd, boolean amsgrad) {
    }

    /** PyTorch's Adam (torch/optim/adam.py), bias-corrected, in double arithmetic, for one parameter tensor. */
    private static final class Reference {
        final Hyper h;
        final double[] p;
        final double[] m;
        final double[] v;
        final double[] vmax;
        int t;

        Reference(double[] p, double lr, double b1, double b2, double eps, double wd, boolean amsgrad) {
            this.h = new Hyper(lr, b1, b2, eps, wd, amsgrad);
            this.p = p.clone();
            m = new double[p.length];
            v = new double[p.length];
            vmax = new double[p.length];
        }

        void step(double[] grad) {
            t++;
            double bc1 = 1 - Math.pow(h.b1(), t);
            double bc2 = 1 - Math.pow(h.b2(), t);
            for (int i = 0; i < p.length; i++) {
                double g = grad[i] + h.wd() * p[i];
                m[i] = h.b1() * m[i] + (1 - h.b1()) * g;
                v[i] = h.b2() * v[i] + (1 - h.b2()) * g * g;
                vmax[i] = Math.max(vmax[i], v[i]);
                double second = h.amsgrad() ? vmax[i] : v[i];
                p[i] -= h.lr() / bc1 * m[i] / (Math.sqrt(second) / Math.sqrt(bc2) + h.eps());
            }
        }
    }

    @Test
    void threeStepsMatchBiasCorrectedAdamWithDefaults() {
        double[] start = {1.0, -2.0, 0.5};
        Tensor p = param(start);
        try (Adam adam = Adam.builder().setLearningRate(0.01).build(List.of(p))) {
            assertThreeStepsMatch(adam, p, new Reference(start, 0.01, 0.9, 0.999, 1e-8, 0, false));
        }
    }

    /** Steps {@code adam} three times on the gradient of {@code Σp²}, checking {@code p} against {@code ref} after each. */
    private static void assertThreeStepsMatch(Adam adam, Tensor p, Reference ref) {
        for (int t = 0; t < 3; t++) {
            double[] g = setGradOfSumOfSquares(p);
            adam.step();
            ref.step(g);
            assertArrayEquals(ref.p, values(p), TOL, "step " + (t + 1));
        }
    }

    @Test
    void firstStepIsHandComputed() {
        // After bias correction m̂ = g and v̂ = g², so the first step is lr·g/(|g| + eps).
        Tensor p = param(1.0, -2.0);
        try (Adam adam = Adam.builder().setLearningRate(0.01).build(List.of(p))) {
            setGrad(p, 2.0, -4.0);
            adam.step();
        }
        assertArrayEquals(new double[] {1.0 - 0.01 * 2 / (2 + 1e-8), -2.0 + 0.01 * 4 / (4 + 1e-8)}, values(p), TOL);
    }

    @Test
    void threeStepsMatchWithCustomBetasEpsAndWeightDecay() {
        double[] start = {1.0, -2.0, 0.5};
        Tensor p = param(start);
        try (Adam adam = Adam.builder().setLearningRate(0.1).optBetas(0.5, 0.6).optEps(1e-3).optWeightDecay(0.1)
                .build(List.of(p))) {
            assertThreeStepsMatch(adam, p, new Reference(start, 0.1, 0.5, 0.6, 1e-3, 0.1, false));
        }
    }

    @Test
    void amsgradDividesByTheRunningMaximumOfTheSecondMoment() {
        // A large first gradient then small ones: v shrinks, vmax does not, so the two variants differ.
        double[][] grads = {{10, 1}, {0.1, 1}, {0.1, 1}};
        double[] start = {0.0, 0.0};
        Tensor withMax = param(start);
        Tensor plain = param(start);
        Reference refMax = new Reference(start, 0.1, 0.5, 0.6, 1e-8, 0, true);
        Reference refPlain = new Reference(start, 0.1, 0.5, 0.6, 1e-8, 0, false);
        try (Adam ams = Adam.builder().setLearningRate(0.1).optBetas(0.5, 0.6).optAmsgrad(true).build(List.of(withMax));
                Adam adam = Adam.builder().setLearningRate(0.1).optBetas(0.5, 0.6).build(List.of(plain))) {
            for (double[] g : grads) {
                setGrad(withMax, g);
                setGrad(plain, g);
                ams.step();
                adam.step();
                refMax.step(g);
                refPlain.step(g);
            }
        }
        assertArrayEquals(refMax.p, values(withMax), TOL);
        assertArrayEquals(refPlain.p, values(plain), TOL);
        assertEquals(true, Math.abs(refMax.p[0] - refPlain.p[0]) > 1e-3, "the variants must differ on coordinate 0");
        assertEquals(refMax.p[1], refPlain.p[1], TOL); // constant gradient: v never shrinks, vmax = v
    }

    @Test
    void paramGroupsKeepTheirOwnOptions() {
        Tensor a = param(1.0);
        Tensor b = param(1.0);
        Reference refA = new Reference(new double[] {1.0}, 0.01, 0.9, 0.999, 1e-8, 0, false);
        Reference refB = new Reference(new double[] {1.0}, 0.5, 0.5, 0.6, 1e-8, 0.1, false);
        try (Adam adam = Adam.builder().setLearningRate(0.01).build(List.of(a))
                .addParamGroup(List.of(b), Adam.builder().setLearningRate(0.5).optBetas(0.5, 0.6).optWeightDecay(0.1))) {
            assertEquals(0.01, adam.paramGroups().get(0).learningRate());
            assertEquals(0.5, adam.paramGroups().get(1).learningRate());
            for (int t = 0; t < 3; t++) {
                refA.step(setGradOfSumOfSquares(a));
                refB.step(setGradOfSumOfSquares(b));
                adam.step();
            }
        }
        assertArrayEquals(refA.p, values(a), TOL);
        assertArrayEquals(refB.p, values(b), TOL);
    }

    @Test
    void addParamGroupCopiesTheFirstGroupsBetasEpsWeightDecayAndRate() {
        Tensor a = param(1.0);
        Tensor b = param(1.0, -2.0);
        // betas far apart and a large eps so a swapped or dropped option changes the result
        Reference refB = new Reference(new double[] {1.0, -2.0}, 0.3, 0.5, 0.9, 0.1, 0.25, false);
        try (Adam adam = Adam.builder().setLearningRate(0.3).optBetas(0.5, 0.9).optEps(0.1).optWeightDecay(0.25)
                .build(List.of(a))) {
            assertSame(adam, adam.addParamGroup(List.of(b)));
            assertEquals(0.3, adam.paramGroups().get(1).learningRate());
            for (int t = 0; t < 3; t++) {
                setGrad(a, 0.0);
                refB.step(setGradOfSumOfSquares(b));
                adam.step();
            }
        }
        assertArrayEquals(refB.p, values(b), TOL);
        Reference swapped = new Reference(new double[] {1.0, -2.0}, 0.3, 0.9, 0.5, 0.1, 0.25, false);
        for (int t = 0; t < 3; t++) {
            double[] g = {2 * swapped.p[0], 2 * swapped.p[1]};
            swapped.step(g);
        }
        assertTrue(Math.abs(swapped.p[0] - refB.p[0]) > 1e-3, "swapped betas must give a different result");
    }

    @Test
    void addParamGroupCopiesAmsgrad() {
        // the gradients of amsgradDividesByTheRunningMaximumOfTheSecondMoment, where the variants differ
        double[][] grads = {{10, 1}, {0.1, 1}, {0.1, 1}};
        double[] start = {0.0, 0.0};
        Tensor a = param(1.0);
        Tensor b = param(start);
        Reference refMax = new Reference(start, 0.1, 0.5, 0.6, 1e-8, 0, true);
        Reference refPlain = new Reference(start, 0.1, 0.5, 0.6, 1e-8, 0, false);
        try (Adam adam = Adam.builder().setLearningRate(0.1).optBetas(0.5, 0.6).optAmsgrad(true).build(List.of(a))) {
            adam.addParamGroup(List.of(b));
            for (double[] g : grads) {
                setGrad(a, 0.0);
                setGrad(b, g);
                adam.step();
                refMax.step(g);
                refPlain.step(g);
            }
        }
        assertArrayEquals(refMax.p, values(b), TOL);
        assertTrue(Math.abs(refMax.p[0] - refPlain.p[0]) > 1e-3, "AMSGrad must matter here");
    }

    @Test
    void resetStateForgetsMomentsAndStepCounter() {
        Tensor p = param(1.0, -2.0);
        try (Adam adam = Adam.builder().setLearningRate(0.1).optAmsgrad(true).build(List.of(p))
                .addParamGroup(List.of(param(3.0)), Adam.builder().setLearningRate(0.2))) {
            for (int t = 0; t < 3; t++) {
                setGradOfSumOfSquares(p);
                adam.step();
            }
            adam.setLearningRate(0.05);
            adam.resetState();
            assertEquals(0.05, adam.paramGroups().get(1).learningRate());
            Reference fresh = new Reference(values(p), 0.05, 0.9, 0.999, 1e-8, 0, true);
            fresh.step(setGradOfSumOfSquares(p));
            adam.step();
            assertArrayEquals(fresh.p, values(p), TOL);
        }
    }

    @Test
    void rejectsBadOptions() {
        List<Tensor> ps = List.of(param(1.0));
        assertEquals("Adam: learning rate must be set",
                assertThrows(IllegalArgumentException.class, () -> Adam.builder().build(ps)).getMessage());
        assertEquals("Adam: beta1 must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().setLearningRate(0.1).optBetas(1.0, 0.999).build(ps)).getMessage());
        assertEquals("Adam: beta2 must be in [0, 1), got -0.1", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().setLearningRate(0.1).optBetas(0.9, -0.1).build(ps)).getMessage());
        assertEquals("Adam: eps must be non-negative, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().setLearningRate(0.1).optEps(-1).build(ps)).getMessage());
        assertEquals("Adam: weight decay must be non-negative, got -0.5", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().setLearningRate(0.1).optWeightDecay(-0.5).build(ps)).getMessage());
        assertEquals("Adam: group 0 has an empty parameter list", assertThrows(IllegalArgumentException.class,
                () -> Adam.builder().setLearningRate(0.1).build(List.of())).getMessage());
    }
}
