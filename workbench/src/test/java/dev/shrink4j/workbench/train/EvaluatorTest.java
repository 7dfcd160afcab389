package dev.shrink4j.workbench.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /** Outputs its input images [N, 1, 1, 3] flattened to logits [N, 3]; records mode and grad state. */
    static final class Echo extends Module {
        final ReLU child = registerModule("child", new ReLU());
        final List<String> seen = new ArrayList<>();

        @Override
        protected Tensor forward(Tensor x) {
            seen.add("training=" + isTraining() + " grad=" + GradMode.is_enabled());
            return x.flatten(1, -1);
        }
    }

    static final float[][] LOGITS = {{2f, 0f, 0f}, {0f, 1f, 3f}, {1f, 2f, 0f}, {0f, 0f, -1f}, {5f, 0f, 4f}};
    static final long[] LABELS = {0, 2, 0, 1, 0};    // argmax 0, 2, 1, 0, 0 → 3 correct of 5

    /** Cross entropy by the formula: log Σ exp(l) − l[label]. */
    static double crossEntropy(float[] l, long label) {
        double sum = 0;
        for (float v : l) {
            sum += Math.exp(v);
        }
        return Math.log(sum) - l[(int) label];
    }

    @Test
    void measuresLossAndAccuracyInEvalModeAndRestoresModes() {
        float[] flat = new float[15];
        for (int i = 0; i < 5; i++) {
            System.arraycopy(LOGITS[i], 0, flat, 3 * i, 3);
        }
        Dataset ds;
        try (PointerScope s = new PointerScope()) {
            ds = new Dataset("logits", Tensor.create(flat, 5, 1, 1, 3), Tensor.create(LABELS, 5), 3);
        }
        try (ds; Echo model = new Echo()) {
            model.train();
            model.child.eval();
            DataLoader loader = DataLoader.builder().setDataset(ds).setBatchSize(2).build();
            Evaluation m = new Evaluator().evaluate(model, loader);
            double expectedLoss = 0;
            for (int i = 0; i < 5; i++) {
                expectedLoss += crossEntropy(LOGITS[i], LABELS[i]) / 5;
            }
            assertEquals(5, m.samples());
            assertEquals(3, m.batches());
            assertTrue(m.meanBatchMillis() > 0 && m.meanBatchMillis() < 1000, "forward latency " + m.meanBatchMillis() + " ms");
            assertEquals(new Metrics(m.loss(), 0.6, 5), m.metrics());
            assertEquals(0.6, m.accuracy(), 1e-12);
            assertEquals(expectedLoss, m.loss(), 1e-6);
            assertEquals(List.of("training=false grad=false", "training=false grad=false", "training=false grad=false"), model.seen);
            assertTrue(model.isTraining(), "root back in training mode");
            assertFalse(model.child.isTraining(), "child back in eval mode");
            assertTrue(GradMode.is_enabled(), "gradients enabled again");
        }
    }

    /** Flatten then a Linear(2 → 3) with hand-set weights. */
    static final class HandLinear extends Module {
        final Flatten flatten = registerModule("flatten", new Flatten());
        final Linear fc = registerModule("fc", new Linear(2, 3));

        HandLinear() {
            try (PointerScope s = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                fc.weight().copy_(Tensor.create(new float[] {1, 0, 0, 1, 1, -1}, 3, 2));
                fc.bias().copy_(Tensor.create(new float[] {0, 0.5f, -1}, 3));
            }
        }

        @Override
        protected Tensor forward(Tensor x) {
            return fc.call(flatten.call(x));
        }
    }

    @Test
    void evaluatesAHandBuiltLinearModel() {
        // logits = (x0, x1 + 0.5, x0 - x1 - 1) for each input (x0, x1).
        float[][] inputs = {{1, 0}, {0, 1}, {3, -1}, {-2, -2}};
        long[] labels = {0, 1, 2, 2};
        // (1, 0.5, 0) → 0 ✓; (0, 1.5, -2) → 1 ✓; (3, -0.5, 3) → tie, first max 0 ✗; (-2, -1.5, -1) → 2 ✓.
        float[] flat = new float[8];
        double expectedLoss = 0;
        for (int i = 0; i < 4; i++) {
            flat[2 * i] = inputs[i][0];
            flat[2 * i + 1] = inputs[i][1];
            float[] l = {inputs[i][0], inputs[i][1] + 0.5f, inputs[i][0] - inputs[i][1] - 1};
            expectedLoss += crossEntropy(l, labels[i]) / 4;
        }
        Dataset ds;
        try (PointerScope s = new PointerScope()) {
            ds = new Dataset("points", Tensor.create(flat, 4, 1, 1, 2), Tensor.create(labels, 4), 3);
        }
        try (ds; HandLinear model = new HandLinear()) {
            Evaluation e = new Evaluator().evaluate(model, DataLoader.builder().setDataset(ds).setBatchSize(3).build());
            assertEquals(4, e.samples());
            assertEquals(2, e.batches());
            assertEquals(0.75, e.accuracy(), 0.0);
            assertEquals(expectedLoss, e.loss(), 1e-6);
            assertTrue(model.isTraining(), "a new module trains by default and is put back in training mode");
        }
    }

    @Test
    void formatsAnEvaluation() {
        assertEquals("loss 0.1235, accuracy 91.25% (10000 samples), 1.500 ms/batch",
                new Evaluation(0.12345, 0.9125, 10000, 79, 1.5).toString());
    }
}
