package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class LsqQuantizerTest {

    static ConfigList config(String types, int bits) {
        return ConfigList.fromJson("[{\"quant_types\": " + types + ", \"quant_bits\": " + bits + ", \"op_names\": [\"fc\"]}]");
    }

    @Test
    void gridOfBitsIsSignedWithTheExtraNegativeLevel() {
        assertEquals(7, LsqQuantizer.qmax(4));
        assertEquals(-8, LsqQuantizer.qmin(4));
        assertEquals(127, LsqQuantizer.qmax(8));
        assertEquals(-128, LsqQuantizer.qmin(8));
    }

    @Test
    void forwardValuesAndGradientsOfXAndStepFollowLsq() {
        // bits 3: qmin −4, qmax 3; s = 0.5; x/s = −6, −2.4, −0.5, 0.6, 1.5, 3.2, 4
        Tensor x = Tensor.create(new float[] {-3f, -1.2f, -0.25f, 0.3f, 0.75f, 1.6f, 2f}, 7).requires_grad_(true);
        Tensor s = Tensor.create(new float[] {0.5f}, 1).squeeze().requires_grad_(true);
        Tensor xq = LsqQuantizer.lsq(x, s, 3);
        // round(clamp(x/s)) = −4, −2, −0 (half to even), 1, 2 (half to even), 3, 3; times s
        // (the round-pass adds x − x = +0, so −0 comes out as +0)
        assertArrayEquals(new float[] {-2f, -1f, 0f, 0.5f, 1f, 1.5f, 1.5f}, values(xq));
        xq.sum().backward();
        assertArrayEquals(new float[] {0f, 1f, 1f, 1f, 1f, 0f, 0f}, values(x.grad()), "1 inside [qmin, qmax], 0 outside");
        // g = 1/sqrt(qmax·n) = 1/sqrt(21); per element: qmin below, round(x/s) − x/s inside, qmax above
        double perElement = -4 + (-2 + 2.4) + (0 + 0.5) + (1 - 0.6) + (2 - 1.5) + 3 + 3;
        assertEquals(perElement / Math.sqrt(21), s.grad().item_double(), 1e-6);
    }

    @Test
    void weightStepStartsAtTwiceMeanAbsOverSqrtQmaxAndTrainsInItsOwnGroup() {
        // mean|w| = 0.5, bits 4: s = 2·0.5/sqrt(7)
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f});
                Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters());
                LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\"]", 4), sgd)) {
            q.compress();
            Tensor s = q.getWrapper("fc").getBuffer(CalibrationKeys.WEIGHT_SCALE);
            assertEquals(1 / Math.sqrt(7), s.item_double(), 1e-7);
            assertEquals(2, sgd.paramGroups().size());
            assertSame(s, q.stepSizes().get(0));
            assertTrue(sgd.paramGroups().get(1).params().get(0).is_same(s));
            assertEquals(0.1, sgd.paramGroups().get(1).learningRate());

            // w/s = 1.32, −2.65, 0.66, 0.66 → 1, −3, 1, 1
            float sv = (float) s.item_double();
            assertArrayEquals(new float[] {sv, -3 * sv, sv, sv}, values(net.fc.parametrized("weight")));
            sgd.zeroGrad();
            net.fc.parametrized("weight").sum().backward();
            double grad = s.grad().item_double();
            double ws = 0.5 / sv, w2 = -1 / sv, w3 = 0.25 / sv;
            double expected = ((1 - ws) + (-3 - w2) + 2 * (1 - w3)) / Math.sqrt(7 * 4);
            assertEquals(expected, grad, 1e-6);
            sgd.step();
            assertEquals(sv - 0.1 * grad, s.item_double(), 1e-6, "the optimizer updates the step");
        }
    }

    @Test
    void unwrapRemovesTheStepSizeGroupSoTheOptimizerKeepsWorking() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f});
                Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).build(net.parameters())) {
            List<Tensor> params = net.parameters();
            for (int cycle = 0; cycle < 2; cycle++) {
                LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\", \"input\"]", 4), sgd);
                q.compress();
                assertEquals(2, sgd.paramGroups().size());
                for (int t = 0; t < 2; t++) {
                    sgd.zeroGrad();
                    net.call(Tensor.create(new float[] {1f, -2f}, 1, 2)).sum().backward();
                    sgd.step();
                }
                q.unwrap();
                assertEquals(List.of(), q.stepSizes());
                assertEquals(1, sgd.paramGroups().size(), "cycle " + cycle);
                List<Tensor> kept = sgd.paramGroups().get(0).params();
                assertEquals(params.size(), kept.size());
                for (int i = 0; i < params.size(); i++) {
                    assertTrue(kept.get(i).is_same(params.get(i)));
                }
                // the step sizes' group used to stay behind with released tensors: zeroGrad threw here
                sgd.zeroGrad();
                assertEquals(0.0, net.fc.weight().grad().abs().sum().item_double());
                // the plain (bias-free) layer again: y = x·Wᵀ with W as training left it
                Tensor x = Tensor.create(new float[] {1f, -2f}, 1, 2);
                Tensor expected = x.matmul(net.fc.weight().t());
                assertArrayEquals(values(expected), values(net.call(x)));
                net.call(x).sum().backward();
                sgd.step();
            }
        }
    }

    @Test
    void unwrapAfterTheOptimizerWasClosedLeavesItClosed() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f})) {
            Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters());
            LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\"]", 4), sgd);
            q.compress();
            sgd.close();
            q.unwrap();
            assertTrue(sgd.isClosed());
            assertEquals(java.util.Set.of(), net.fc.parametrizedNames());
        }
    }

    @Test
    void stepSizesGetTheFirstGroupsMomentumAndWeightDecay() {
        // mean|w| = 0.5, bits 4: s = 1/sqrt(7); the step's group must use momentum 0.9 and decay 0.5 too
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f});
                Sgd sgd = Sgd.builder().setLearningRate(0.1).optMomentum(0.9).optWeightDecay(0.5).build(net.parameters());
                LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\"]", 4), sgd)) {
            q.compress();
            Tensor s = q.stepSizes().get(0);
            double s0 = s.item_double();
            // gradient of s set by hand to 1 twice: g = 1 + 0.5·s, buf = g, then 0.9·buf + g
            double buf = 0;
            double expected = s0;
            for (int t = 0; t < 2; t++) {
                sgd.zeroGrad();
                s.mul(Tensor.create(new float[] {1f}).squeeze()).backward();
                double g = 1 + 0.5 * expected;
                buf = t == 0 ? g : 0.9 * buf + g;
                expected -= 0.1 * buf;
                sgd.step();
            }
            assertEquals(expected, s.item_double(), 1e-6);
        }
    }

    @Test
    void inputAndOutputStepsStartFromTheFirstBatch() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {1f, 0f, 0f, 1f});
                Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters());
                LsqQuantizer q = new LsqQuantizer(net, config("[\"input\", \"output\"]", 8), sgd)) {
            q.compress();
            net.call(Tensor.create(new float[] {1f, -3f}, 1, 2));
            // input: mean|x| = 2, s_in = 4/sqrt(127) = 0.355; x/s_in = 2.82, −8.45 → 3, −8
            double sIn = 4 / Math.sqrt(127);
            assertEquals(sIn, q.getWrapper("fc").getBuffer(LsqQuantizer.INPUT_SCALE).item_double(), 1e-6);
            // identity layer: the output is the quantized input 3·s_in, −8·s_in, mean|y| = 5.5·s_in
            assertEquals(2 * 5.5 * sIn / Math.sqrt(127), q.getWrapper("fc").getBuffer(LsqQuantizer.OUTPUT_SCALE).item_double(), 1e-6);
            net.call(Tensor.create(new float[] {10f, 10f}, 1, 2));
            assertEquals(4 / Math.sqrt(127), q.getWrapper("fc").getBuffer(LsqQuantizer.INPUT_SCALE).item_double(), 1e-6,
                    "later batches leave the step to the optimizer");
            assertEquals(2, q.stepSizes().size());
        }
    }

    @Test
    void layerStateRecordsWhichStepsHaveTheirInitialValue() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f});
                LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\", \"input\", \"output\"]", 4), null)) {
            q.compress();
            ModuleWrapper w = q.getWrapper("fc");
            assertEquals("[\"lsq_initialized\" (LsqLayerState)]", w.stateKeys().toString());
            LsqLayerState state = w.state(LsqQuantizer.STATE);
            assertEquals("LsqLayerState(initialized [weight])", state.toString(), "the weight's step is set when wrapped");
            assertEquals(1.0, w.getBuffer(LsqQuantizer.INPUT_SCALE).item_double(), "an activation's waits for a batch");
            net.call(Tensor.create(new float[] {1f, -3f}, 1, 2));
            assertTrue(state.isInitialized(QuantType.INPUT));
            assertTrue(state.isInitialized(QuantType.OUTPUT));
            q.unwrap();
            assertTrue(w.stateKeys().isEmpty());
        }
    }

    @Test
    void aRestoredActivationStepIsNotReplacedByTheFirstBatch() {
        try (OneLinear net = new OneLinear(2, 2, new float[] {1f, 0f, 0f, 1f});
                LsqQuantizer q = new LsqQuantizer(net, config("[\"input\"]", 4), null)) {
            q.compress();
            ModuleWrapper w = q.getWrapper("fc");
            LsqLayerState state = w.state(LsqQuantizer.STATE);
            assertFalse(state.isInitialized(QuantType.INPUT));
            // step = tracked_max / qmax = 0.7 / 7
            q.loadCalibrationConfig(JsonParser.parseString(
                    "{\"fc\": {\"input_bits\": 4, \"tracked_min_input\": -0.7, \"tracked_max_input\": 0.7}}").getAsJsonObject());
            assertTrue(state.isInitialized(QuantType.INPUT));
            // mean|x| = 2 would give 4/sqrt(7) = 1.51 as the first batch's step; the restored 0.1 stays:
            // x/s = 10, −30 clamp to 7, −8
            assertArrayEquals(new float[] {0.7f, -0.8f}, values(net.call(Tensor.create(new float[] {1f, -3f}, 1, 2))), 1e-6f);
            assertEquals(0.1, w.getBuffer(LsqQuantizer.INPUT_SCALE).item_double(), 1e-7);
        }
    }

    @Test
    void withoutAnOptimizerTheStepsStayFixed() {
        // evaluating an exported model: no optimizer, so nothing trains the steps (mean|w| = 0.5, bits 4: s = 1/sqrt(7))
        try (OneLinear net = new OneLinear(2, 2, new float[] {0.5f, -1f, 0.25f, 0.25f});
                LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\", \"input\"]", 4), null)) {
            q.compress();
            net.call(Tensor.create(new float[] {1f, -3f}, 1, 2)).sum().backward();
            net.call(Tensor.create(new float[] {10f, 10f}, 1, 2));
            assertEquals(1 / Math.sqrt(7), q.getWrapper("fc").getBuffer(CalibrationKeys.WEIGHT_SCALE).item_double(), 1e-7);
            // input: initialised from the first batch (mean|x| = 2: s = 4/sqrt(7)), then left as it is
            assertEquals(4 / Math.sqrt(7), q.getWrapper("fc").getBuffer(LsqQuantizer.INPUT_SCALE).item_double(), 1e-6);
            assertTrue(q.optimizer().isEmpty());
        }
    }

    @Test
    void needsTwoBits() {
        try (OneLinear net = new OneLinear(2, 2, new float[4])) {
            try (Sgd sgd = Sgd.builder().setLearningRate(0.1).build(net.parameters());
                    LsqQuantizer q = new LsqQuantizer(net, config("[\"weight\"]", 1), sgd)) {
                ConfigException c = assertThrows(ConfigException.class, q::compress);
                assertTrue(c.getMessage().contains("config_list[0].quant_bits: fc weight has 1 bit(s); LSQ needs at least 2"
                        + " (qmax = 2^(b-1) - 1 > 0)"), c.getMessage());
            }
        }
    }
}
