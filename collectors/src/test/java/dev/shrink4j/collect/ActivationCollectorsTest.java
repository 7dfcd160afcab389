package dev.shrink4j.collect;

import static dev.shrink4j.collect.CollectorTestSupport.tensor;
import static dev.shrink4j.collect.CollectorTestSupport.wrapperOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.collect.CollectorTestSupport.Holder;
import dev.shrink4j.collect.CollectorTestSupport.Passthrough;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ActivationCollectorsTest {

    // Batch 1: [N=1, C=2, H=1, W=2], channel 0 = [-1, 2], channel 1 = [0, 0].
    static Tensor batch1() {
        return tensor(new float[] {-1, 2, 0, 0}, 1, 2, 1, 2);
    }

    // Batch 2: [N=2, C=2, H=1, W=1], sample 0 = (3, -2), sample 1 = (0, 7).
    static Tensor batch2() {
        return tensor(new float[] {3, -2, 0, 7}, 2, 2, 1, 1);
    }

    @Test
    void apozOverTwoBatchesWithRelu() {
        try (Holder model = new Holder(new Passthrough()); ApozCollector apoz = new ApozCollector()) {
            ModuleWrapper w = wrapperOf(model);
            HookHandle h = apoz.attach(w);
            model.call(batch1());
            // relu: channel 0 = [0, 2] (1 zero of 2), channel 1 = [0, 0] (2 of 2)
            assertArrayEquals(new double[] {0.5, 1.0}, apoz.apoz("probe"));
            model.call(batch2());
            // relu: channel 0 = [3, 0] → 2 zeros of 4 in all; channel 1 = [0, 7] → 3 zeros of 4
            assertEquals(2, apoz.batches("probe"));
            assertEquals(4, apoz.elementsPerChannel("probe"));
            assertArrayEquals(new double[] {0.5, 0.75}, apoz.apoz("probe"));
            assertArrayEquals(new double[] {0.5, 0.25}, apoz.scores("probe"), "score = 1 - APoZ");
            h.remove();
        }
    }

    @Test
    void meanOverTwoBatchesWithReluAndRelu6AndIdentity() {
        try (Holder model = new Holder(new Passthrough()); MeanActivationCollector relu = new MeanActivationCollector();
                MeanActivationCollector relu6 = new MeanActivationCollector(ActivationFunctions.RELU6);
                MeanActivationCollector identity = new MeanActivationCollector(ActivationFunctions.IDENTITY)) {
            ModuleWrapper w = wrapperOf(model);
            relu.attach(w);
            relu6.attach(w);
            identity.attach(w);
            model.call(batch1());
            assertArrayEquals(new double[] {1.0, 0.0}, relu.mean("probe"));
            model.call(batch2());
            // relu:  channel 0 = (0 + 2 + 3 + 0) / 4, channel 1 = (0 + 0 + 0 + 7) / 4
            assertArrayEquals(new double[] {1.25, 1.75}, relu.mean("probe"));
            assertArrayEquals(new double[] {1.25, 1.75}, relu.scores("probe"));
            // relu6: 7 → 6
            assertArrayEquals(new double[] {1.25, 1.5}, relu6.mean("probe"));
            // identity: (-1 + 2 + 3 + 0) / 4, (0 + 0 - 2 + 7) / 4
            assertArrayEquals(new double[] {1.0, 1.25}, identity.mean("probe"));
            assertArrayEquals(new double[] {4.0, 5.0}, identity.sums("probe"));
        }
    }

    @Test
    void removingTheHandleStopsCollectionAndReattachingResumes() {
        try (Holder model = new Holder(new Passthrough()); MeanActivationCollector mean = new MeanActivationCollector()) {
            ModuleWrapper w = wrapperOf(model);
            HookHandle h = mean.attach(w);
            model.call(batch1());
            h.remove();
            assertFalse(mean.isAttached("probe"));
            model.call(batch2());
            assertEquals(1, mean.batches("probe"), "a detached collector sees nothing");
            assertArrayEquals(new double[] {1.0, 0.0}, mean.mean("probe"), "statistics stay readable after removal");
            mean.attach(w);
            model.call(batch2());
            assertEquals(2, mean.batches("probe"));
            assertArrayEquals(new double[] {1.25, 1.75}, mean.mean("probe"));
            mean.close();
            model.call(batch1());
            assertEquals(2, mean.batches("probe"), "close() detaches every layer");
        }
    }

    @Test
    void readingBeforeAnyBatchIsAnError() {
        try (Holder model = new Holder(new Passthrough()); ApozCollector apoz = new ApozCollector()) {
            apoz.attach(wrapperOf(model));
            assertEquals(0, apoz.batches("probe"));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> apoz.scores("probe"));
            assertEquals("ApozCollector: no batch seen yet on layer \"probe\"; run at least one forward pass while the "
                    + "collector is attached", e.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> apoz.batches("fc"));
            assertEquals("ApozCollector was never attached to layer \"fc\"; it knows [probe]", unknown.getMessage());
        }
    }

    @Test
    void attachingTwiceAndChangingChannelCountAreErrors() {
        try (Holder model = new Holder(new Passthrough()); MeanActivationCollector mean = new MeanActivationCollector()) {
            ModuleWrapper w = wrapperOf(model);
            mean.attach(w);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> mean.attach(w));
            assertEquals("MeanActivationCollector is already attached to layer \"probe\"", twice.getMessage());
            model.call(batch1());
            IllegalStateException channels = assertThrows(IllegalStateException.class,
                    () -> model.call(tensor(new float[] {1, 2, 3}, 1, 3)));
            assertEquals("MeanActivationCollector: layer \"probe\" produced 3 channels, earlier batches had 2",
                    channels.getMessage());
            assertTrue(mean.isAttached("probe"));
        }
    }
}
