package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.collect.observe.MinMaxObserver;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.quant.config.QuantDtype;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class ObserverQuantizerTest {

    static final ConfigList CONFIG = ConfigList.fromJson("["
            + "{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 8, \"op_types\": [\"Linear\"]},"
            + "{\"quant_types\": [\"output\"], \"quant_bits\": 8, \"op_types\": [\"ReLU\"]}]");

    static Sequential net() {
        Sequential net = new Sequential(new Linear(3, 2), new ReLU());
        Linear fc = (Linear) net.get(0);
        set(fc.weight(), new float[] {1f, 0f, -0.5f, 0.5f, 0.25f, 0f});
        set(fc.bias(), new float[] {0f, 0.1f});
        return net;
    }

    // global input range over the three batches: min −1 (batch 2), max 3 (batch 3)
    static final List<Tensor> BATCHES = List.of(
            Tensor.create(new float[] {0.5f, -0.25f, 1f, 2f, 0f, 0.75f}, 2, 3),
            Tensor.create(new float[] {-1f, 0.5f, 0.5f}, 1, 3),
            Tensor.create(new float[] {3f, 1f, -0.5f, 0f, 0f, 2.5f}, 2, 3));

    @Test
    void eachLayerKeepsItsMinMaxObserversAsTypedStateOverItsTrackedRange() {
        try (Sequential net = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG)) {
            q.compress();
            ModuleWrapper fc = q.getWrapper("0");
            ModuleWrapper relu = q.getWrapper("1");
            assertEquals(List.of(QuantType.INPUT), List.copyOf(ObservingQuantizer.observers(fc).byType().keySet()),
                    "weights have no observer: fix() takes their range from the weight itself");
            assertEquals(List.of(QuantType.OUTPUT), List.copyOf(ObservingQuantizer.observers(relu).byType().keySet()));
            MinMaxObserver input = assertInstanceOf(MinMaxObserver.class, ObservingQuantizer.observers(fc).of(QuantType.INPUT));
            assertSame(fc.getBuffer(CalibrationKeys.TRACKED_MIN_INPUT), input.min());
            assertSame(fc.getBuffer(CalibrationKeys.TRACKED_MAX_INPUT), input.max());
            net.eval();
            try (NoGradGuard g = new NoGradGuard()) {
                BATCHES.forEach(net::call);
            }
            assertEquals(3, input.batches());
            assertEquals(-1f, input.min().item_float());
            assertEquals(3f, input.max().item_float());
            q.unwrap();
            assertTrue(fc.stateKeys().isEmpty());
            assertTrue(relu.stateKeys().isEmpty());
        }
    }

    @Test
    void calibrationTracksGlobalRangesThenFixesQParamsAndFakeQuantizes() {
        try (Sequential net = net(); Sequential ref = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG)) {
            // float outputs of the three batches (ReLU of x·Wᵀ + b), by the unwrapped twin
            float outMax = Float.NEGATIVE_INFINITY;
            for (Tensor b : BATCHES) {
                outMax = Math.max(outMax, ref.call(b).max().item_float());
            }
            q.compress();
            net.train();
            assertEquals(3, q.calibrate(BATCHES));
            assertEquals(true, q.isFixed());
            assertEquals(true, net.isTraining(), "training flags restored");
            ModuleWrapper fc = q.getWrapper("0");
            ModuleWrapper relu = q.getWrapper("1");
            assertEquals(-1f, fc.getBuffer(CalibrationKeys.TRACKED_MIN_INPUT).item_float());
            assertEquals(3f, fc.getBuffer(CalibrationKeys.TRACKED_MAX_INPUT).item_float());
            assertEquals(0f, relu.getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT).item_float());
            assertEquals(outMax, relu.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float());
            // hand check of one output: batch 3 row 0: 3·1 + 1·0 + (−0.5)·(−0.5) = 3.25
            assertEquals(3.25f, outMax);

            // input [−1, 3] → scale 4/255, zero point 0 − round(−1 / (4/255)) = round(63.75) = 64
            assertEquals(4f / 255, fc.getBuffer("input_scale").item_float(), 1e-8f);
            assertEquals(64f, fc.getBuffer("input_zero_point").item_float());
            // weight [−0.5, 1] → scale 1.5/255, zero point round(85) = 85
            assertEquals(1.5f / 255, fc.getBuffer(CalibrationKeys.WEIGHT_SCALE).item_float(), 1e-8f);
            assertEquals(85f, fc.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT).item_float());
            // output [0, 3.25] → scale 3.25/255, zero point 0
            assertEquals(3.25f / 255, relu.getBuffer("output_scale").item_float(), 1e-8f);
            assertEquals(0f, relu.getBuffer("output_zero_point").item_float());

            // forward = fake-quantized input, weight and output with the fixed qparams
            net.eval();
            Tensor x = Tensor.create(new float[] {0.3f, -0.7f, 2.2f, 5f, 1f, -3f}, 2, 3);
            QParams in = QParams.of(fc.getBuffer("input_scale"), fc.getBuffer("input_zero_point"), 8, QuantDtype.UINT);
            QParams w = QParams.of(fc.getBuffer("weight_scale"), fc.getBuffer("weight_zero_point"), 8, QuantDtype.UINT);
            QParams out = QParams.of(relu.getBuffer("output_scale"), relu.getBuffer("output_zero_point"), 8,
                    QuantDtype.UINT);
            Linear layer = (Linear) net.get(0);
            Tensor expected = out.fakeQuantize(torch.relu(torch.linear(in.fakeQuantize(x), w.fakeQuantize(layer.weight()),
                    new TensorOptional(layer.bias()))));
            try (NoGradGuard g = new NoGradGuard()) {
                assertArrayEquals(values(expected), values(net.call(x)));
            }
            assertEquals(3f, fc.getBuffer(CalibrationKeys.TRACKED_MAX_INPUT).item_float(), "fixed: nothing observed");
        }
    }

    @Test
    void beforeFixForwardIsUnchangedAndAfterItGradientsStopOutsideTheRange() {
        try (Sequential net = net(); Sequential ref = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG)) {
            q.compress();
            net.eval();
            try (NoGradGuard g = new NoGradGuard()) {
                for (Tensor b : BATCHES) {
                    assertArrayEquals(values(ref.call(b)), values(net.call(b)), "calibration leaves values unchanged");
                }
            }
            q.fix();
            // output range [0, 3.25]: −1 is cut by ReLU, 1 is inside, 7 maps past 255
            Tensor t = Tensor.create(new float[] {-1f, 1f, 7f}, 1, 3).requires_grad_(true);
            Tensor y = net.get(1).call(t);
            float s = 3.25f / 255;
            assertArrayEquals(new float[] {0f, Math.round(1f / s) * s, 255 * s}, values(y), 1e-6f);
            y.sum().backward();
            assertArrayEquals(new float[] {0f, 1f, 0f}, values(t.grad()));

            // weights are fixed to the grid of [−0.5, 1] (scale 1.5/255, zero point 85): an element moved
            // to 5 maps to 935 > 255 and gets no gradient; the others get dy/dW = the quantized input
            Linear fc = (Linear) net.get(0);
            set(fc.weight(), new float[] {1f, 5f, -0.5f, 0.5f, 0.25f, 0f});
            Tensor x = Tensor.create(new float[] {1f, 2f, 0.5f}, 1, 3);
            net.get(0).call(x).sum().backward();
            ModuleWrapper w = q.getWrapper("0");
            float[] xq = values(QParams.of(w.getBuffer("input_scale"), w.getBuffer("input_zero_point"), 8,
                    QuantDtype.UINT).fakeQuantize(x));
            assertArrayEquals(new float[] {xq[0], 0f, xq[2], xq[0], xq[1], xq[2]}, values(fc.weight().grad()));
        }
    }

    @Test
    void fixNeedsObservationsAndHappensOnce() {
        try (Sequential net = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG)) {
            assertEquals("ObserverQuantizer: call compress() before calibrating",
                    assertThrows(IllegalStateException.class, q::fix).getMessage());
            q.compress();
            assertEquals("0: no input was observed; run calibration batches through the model before fix()",
                    assertThrows(IllegalStateException.class, q::fix).getMessage());
            q.calibrate(BATCHES.subList(0, 1));
            assertEquals("ObserverQuantizer: the qparams are already fixed",
                    assertThrows(IllegalStateException.class, () -> q.calibrate(BATCHES)).getMessage());
        }
    }

    @Test
    void perChannelInputRangesOfALinearLayer() {
        try (Sequential net = net(); ObserverQuantizer q = new ObserverQuantizer(net, ConfigList.fromJson(
                "[{\"quant_types\": [\"input\"], \"quant_bits\": 8, \"quant_scheme\": \"per_channel_symmetric\", "
                        + "\"quant_dtype\": \"int\", \"op_types\": [\"Linear\"]}]"))) {
            q.compress();
            q.calibrate(BATCHES);
            ModuleWrapper fc = q.getWrapper("0");
            assertArrayEquals(new float[] {-1f, -0.25f, -0.5f}, values(fc.getBuffer(CalibrationKeys.TRACKED_MIN_INPUT)));
            assertArrayEquals(new float[] {3f, 1f, 2.5f}, values(fc.getBuffer(CalibrationKeys.TRACKED_MAX_INPUT)));
            assertArrayEquals(new float[] {3f / 127, 1f / 127, 2.5f / 127}, values(fc.getBuffer("input_scale")), 1e-8f);
        }
    }

    @Test
    void loadingTheCalibrationConfigFixesAFreshQuantizerWithTheSameQParams() {
        try (Sequential net = net(); Sequential twin = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG);
             ObserverQuantizer restored = new ObserverQuantizer(twin, CONFIG)) {
            q.compress();
            q.calibrate(BATCHES);
            restored.compress();
            assertEquals(false, restored.isFixed());
            restored.loadCalibrationConfig(q.calibrationConfig());
            assertEquals(true, restored.isFixed());
            // input [−1, 3] → scale 4/255, zero point 64, as calibration computed it
            assertEquals(4f / 255, restored.getWrapper("0").getBuffer("input_scale").item_float(), 1e-8f);
            assertEquals(64f, restored.getWrapper("0").getBuffer("input_zero_point").item_float());
            net.eval();
            twin.eval();
            Tensor x = Tensor.create(new float[] {0.3f, -0.7f, 2.2f, 5f, 1f, -3f}, 2, 3);
            try (NoGradGuard g = new NoGradGuard()) {
                assertArrayEquals(values(net.call(x)), values(twin.call(x)));
            }
        }
    }

    @Test
    void aCalibrationBatchWithInfinityIsAnErrorNamingTheLayer() {
        try (Sequential net = net(); ObserverQuantizer q = new ObserverQuantizer(net, CONFIG)) {
            q.compress();
            List<Tensor> batches = List.of(BATCHES.get(0), Tensor.create(new float[] {1f, Float.POSITIVE_INFINITY, 0f}, 1, 3));
            dev.shrink4j.collect.observe.NonFiniteRangeException e = assertThrows(
                    dev.shrink4j.collect.observe.NonFiniteRangeException.class, () -> q.calibrate(batches));
            assertEquals("0 input: non-finite range observed: min 0.0, max inf in a tensor of shape [1, 3]"
                    + " that holds NaN or infinite values", e.getMessage());
            assertEquals(false, q.isFixed());
        }
    }
}
