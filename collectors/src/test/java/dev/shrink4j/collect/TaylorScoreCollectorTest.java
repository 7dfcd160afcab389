package dev.shrink4j.collect;

import static dev.shrink4j.collect.CollectorTestSupport.tensor;
import static dev.shrink4j.collect.CollectorTestSupport.wrapperOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.collect.CollectorTestSupport.Holder;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.layers.Conv2d;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.Test;

class TaylorScoreCollectorTest {

    /** Conv2d(1 → 2, 2×2, no bias) on one 2×2 input: y_f = Σ W[f]·x, so with L = Σ y, ∂L/∂W[f] = x. */
    static Holder tinyConv() {
        Conv2d conv = Conv2d.builder().setInChannels(1).setOutChannels(2).setKernelSize(2).optBias(false).build();
        try (NoGradGuard g = new NoGradGuard()) {
            conv.weight().copy_(tensor(new float[] {1, 0, -1, 2, 0.5f, 1, 0, -1}, 2, 1, 2, 2));
        }
        return new Holder(conv);
    }

    static void backward(Holder model, float... x) {
        model.zeroGrad();
        model.call(tensor(x, 1, 1, 2, 2)).sum().backward();
    }

    @Test
    void scoresAreTheSumOverBatchesOfSquaredWeightTimesGradient() {
        try (Holder model = tinyConv(); TaylorScoreCollector taylor = new TaylorScoreCollector()) {
            ModuleWrapper w = wrapperOf(model);
            HookHandle h = taylor.attach(w);
            backward(model, 1, 2, 3, 4);
            taylor.accumulate();
            // filter 0: W·g = [1, 0, -3, 8] → 1 + 0 + 9 + 64; filter 1: [0.5, 2, 0, -4] → 0.25 + 4 + 0 + 16
            assertArrayEquals(new double[] {74, 20.25}, taylor.scores("probe"));
            backward(model, 0, 1, 0, 1);
            taylor.accumulate();
            // filter 0: [0, 0, 0, 2] → 4; filter 1: [0, 1, 0, -1] → 2
            assertArrayEquals(new double[] {78, 22.25}, taylor.scores("probe"));
            assertEquals(2, taylor.batches("probe"));
            h.remove();
            backward(model, 1, 1, 1, 1);
            taylor.accumulate();
            assertEquals(2, taylor.batches("probe"), "a removed layer is no longer accumulated");
        }
    }

    @Test
    void accumulateBeforeBackwardAndReadingBeforeAccumulateAreErrors() {
        try (Holder model = tinyConv(); TaylorScoreCollector taylor = new TaylorScoreCollector()) {
            taylor.attach(wrapperOf(model));
            IllegalStateException noBatch = assertThrows(IllegalStateException.class, () -> taylor.scores("probe"));
            assertEquals("TaylorScoreCollector: no batch seen yet on layer \"probe\"; call accumulate() after a backward "
                    + "pass while the collector is attached", noBatch.getMessage());
            IllegalStateException noGrad = assertThrows(IllegalStateException.class, taylor::accumulate);
            assertEquals("TaylorScoreCollector: probe.weight has no gradient; call accumulate() after backward()",
                    noGrad.getMessage());
        }
    }
}
