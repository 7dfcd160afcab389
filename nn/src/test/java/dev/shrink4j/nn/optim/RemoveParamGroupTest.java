package dev.shrink4j.nn.optim;

import static dev.shrink4j.nn.optim.OptimTesting.param;
import static dev.shrink4j.nn.optim.OptimTesting.setGrad;
import static dev.shrink4j.nn.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link Optimizer#removeParamGroup(int)} on libtorch's optimizers: afterwards the optimizer steps
 * bit for bit as one that never had the group, because the other groups keep their options and state.
 */
class RemoveParamGroupTest {

    /** Builds an optimizer over {@code first} and adds {@code more} groups, each with its own options. */
    private interface Factory extends Function<List<List<Tensor>>, Optimizer> {
    }

    private static final Factory SGD = groups -> {
        Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optWeightDecay(0.01).build(groups.get(0));
        for (int i = 1; i < groups.size(); i++) {
            sgd.addParamGroup(groups.get(i), Sgd.builder().setLearningRate(0.05 * i).optMomentum(0.5).optNesterov(true));
        }
        return sgd;
    };

    private static final Factory ADAM = groups -> {
        Adam adam = Adam.builder().setLearningRate(0.01).optBetas(0.8, 0.99).optWeightDecay(0.01).build(groups.get(0));
        for (int i = 1; i < groups.size(); i++) {
            adam.addParamGroup(groups.get(i), Adam.builder().setLearningRate(0.02 * i).optAmsgrad(true));
        }
        return adam;
    };

    /** The gradient of step {@code t} for a parameter of {@code n} elements (varying, so state matters). */
    private static double[] grad(int t, int n, double scale) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = scale * Math.sin(1.0 + t + 0.7 * i);
        }
        return g;
    }

    /**
     * Groups a, removed, d against groups a, d: three steps, the middle group removed from the first
     * (its group 2 at a learning rate set by hand, set alike on the reference), three more steps.
     */
    private static void continuesAsIfNeverAdded(Factory factory) {
        Tensor a = param(1.0, -2.0, 0.5);
        Tensor removed = param(0.3, 0.4);
        Tensor d = param(-1.5, 2.5);
        Tensor refA = param(1.0, -2.0, 0.5);
        Tensor refD = param(-1.5, 2.5);
        Tensor resetA = param(1.0, -2.0, 0.5);
        Tensor resetD = param(-1.5, 2.5);
        try (Optimizer opt = factory.apply(List.of(List.of(a), List.of(removed), List.of(d)));
             Optimizer ref = factory.apply(List.of(List.of(refA), List.of(refD)));
             Optimizer reset = factory.apply(List.of(List.of(resetA), List.of(resetD)))) {
            // the reference's second group must have the options opt's third group has
            ref.paramGroups().get(1).setLearningRate(0.07);
            reset.paramGroups().get(1).setLearningRate(0.07);
            opt.paramGroups().get(2).setLearningRate(0.07);
            ParamGroup removedGroup = opt.paramGroups().get(1);
            for (int t = 0; t < 6; t++) {
                if (t == 3) {
                    opt.removeParamGroup(1);
                    reset.resetState();
                }
                for (Tensor[] pair : new Tensor[][] {{a, refA, resetA}, {d, refD, resetD}}) {
                    double[] g = grad(t, (int) pair[0].numel(), pair[0] == a ? 1.0 : 3.0);
                    for (Tensor p : pair) {
                        setGrad(p, g);
                    }
                }
                if (t < 3) {
                    setGrad(removed, grad(t, 2, 2.0));
                }
                opt.step();
                ref.step();
                reset.step();
            }
            assertArrayEquals(values(refA), values(a), 0.0, "group 0 steps as if the removed group had never been there");
            assertArrayEquals(values(refD), values(d), 0.0, "the group after the removed one moved down with its state");
            assertFalse(Arrays.equals(values(resetA), values(a)) && Arrays.equals(values(resetD), values(d)),
                    "the comparison sees the carried state: a rebuild that forgets it steps elsewhere");
            assertEquals(2, opt.paramGroups().size());
            assertTrue(opt.paramGroups().get(0).params().get(0).is_same(a));
            assertTrue(opt.paramGroups().get(1).params().get(0).is_same(d));
            assertEquals(0.07, opt.paramGroups().get(1).learningRate(), 0.0, "the moved group keeps its learning rate");
            assertEquals(ref.paramGroups().get(0).learningRate(), opt.paramGroups().get(0).learningRate(), 0.0);
            IllegalStateException gone = assertThrows(IllegalStateException.class, removedGroup::learningRate);
            assertTrue(gone.getMessage().contains("has been removed"), gone.getMessage());
        }
    }

    @Test
    void sgdWithMomentumContinuesAsIfTheGroupHadNeverBeenAdded() {
        continuesAsIfNeverAdded(SGD);
    }

    @Test
    void adamContinuesAsIfTheGroupHadNeverBeenAdded() {
        continuesAsIfNeverAdded(ADAM);
    }

    @Test
    void removingTheLastAddedGroupByItsParametersLeavesTheOptimizerUsable() {
        Tensor w = param(1.0, 2.0);
        Tensor s1 = param(0.5);
        Tensor s2 = param(0.25);
        try (Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(List.of(w))) {
            sgd.addParamGroup(List.of(s1, s2));
            setGrad(w, 1.0, 1.0);
            setGrad(s1, 1.0);
            setGrad(s2, 1.0);
            sgd.step();
            IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                    () -> sgd.removeParamGroup(List.of(s1)));
            assertTrue(partial.getMessage().contains("no parameter group holds exactly these 1 parameter(s)"),
                    partial.getMessage());
            sgd.removeParamGroup(List.of(s1, s2));
            assertEquals(1, sgd.paramGroups().size());
            // zeroGrad touches only the remaining group: the removed step sizes keep their gradient
            sgd.zeroGrad();
            assertArrayEquals(new double[] {0, 0}, values(w.grad()), 0.0);
            assertArrayEquals(new double[] {1.0}, values(s1.grad()), 0.0);
            // momentum carried: second step of w is lr·(0.9·1 + 1) = 0.19 after the first 0.1
            setGrad(w, 1.0, 1.0);
            sgd.step();
            assertArrayEquals(new double[] {1.0 - 0.1 - 0.19, 2.0 - 0.1 - 0.19}, values(w), 1e-15);
            assertArrayEquals(new double[] {0.5 - 0.1}, values(s1), 0.0, "the removed parameter is not stepped");
            // and it can take the group back, and forget its state
            sgd.addParamGroup(List.of(s1));
            sgd.resetState();
            assertEquals(2, sgd.paramGroups().size());
        }
    }

    @Test
    void badRemovalsAreErrorsThatChangeNothing() {
        Tensor w = param(1.0);
        try (Adam adam = Adam.builder().setLearningRate(0.1).build(List.of(w))) {
            IllegalStateException only = assertThrows(IllegalStateException.class, () -> adam.removeParamGroup(0));
            assertEquals("Adam: cannot remove group 0, the only parameter group", only.getMessage());
            adam.addParamGroup(List.of(param(2.0)));
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> adam.removeParamGroup(2));
            assertEquals("Adam: there is no parameter group 2; the groups are 0..1", range.getMessage());
            assertThrows(IllegalArgumentException.class, () -> adam.removeParamGroup(-1));
            assertEquals(2, adam.paramGroups().size());
            adam.close();
            assertThrows(IllegalStateException.class, () -> adam.removeParamGroup(1));
        }
    }
}
