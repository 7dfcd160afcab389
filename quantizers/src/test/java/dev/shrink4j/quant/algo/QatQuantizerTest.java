package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.collect.observe.EmaObserver;
import dev.shrink4j.collect.observe.NonFiniteRangeException;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.workbench.zoo.ResNet;
import dev.shrink4j.workbench.zoo.ShortcutOption;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class QatQuantizerTest {

    static ConfigList config(String types, String extra, String opTypes) {
        return ConfigList.fromJson("[{\"quant_types\": " + types + ", \"quant_bits\": 8, \"op_types\": " + opTypes
                + (extra.isEmpty() ? "" : ", " + extra) + "}]");
    }

    static float[] arange1to18() {
        float[] w = new float[18];
        for (int i = 0; i < 18; i++) {
            w[i] = i + 1;
        }
        return w;
    }

    /** NNI's test_quantize_weight goldens: Conv2d(1, 2, 3) with W = arange(1, 19).view(2, 1, 3, 3). */
    float[][] convWeightQParams(String scheme, String dtype) {
        try (Sequential net = new Sequential(new Conv2d(1, 2, 3));
                QatQuantizer q = new QatQuantizer(net, config("[\"weight\"]",
                        "\"quant_scheme\": \"" + scheme + "\", \"quant_dtype\": \"" + dtype + "\"", "[\"Conv2d\"]"), null)) {
            set(((Conv2d) net.get(0)).weight(), arange1to18());
            q.compress();
            net.call(torch.ones(1, 1, 3, 3));
            ModuleWrapper w = q.getWrapper("0");
            return new float[][] {values(w.getBuffer(CalibrationKeys.WEIGHT_SCALE)),
                values(w.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT))};
        }
    }

    @Test
    void weightScalesAndZeroPointsMatchNniForEverySchemeAndDtype() {
        float[][] r = convWeightQParams("per_tensor_affine", "uint");
        assertArrayEquals(new float[] {18f / 255}, r[0], 1e-7f);
        assertArrayEquals(new float[] {0f}, r[1]);
        r = convWeightQParams("per_tensor_affine", "int");
        assertArrayEquals(new float[] {18f / 254}, r[0], 1e-7f);
        assertArrayEquals(new float[] {-127f}, r[1]);
        r = convWeightQParams("per_tensor_symmetric", "int");
        assertArrayEquals(new float[] {18f / 127}, r[0], 1e-7f);
        assertArrayEquals(new float[] {0f}, r[1]);
        r = convWeightQParams("per_tensor_symmetric", "uint");
        assertArrayEquals(new float[] {18f / 127.5f}, r[0], 1e-7f);
        assertArrayEquals(new float[] {127f}, r[1]);
        r = convWeightQParams("per_channel_affine", "uint");
        assertArrayEquals(new float[] {9f / 255, 18f / 255}, r[0], 1e-7f);
        assertArrayEquals(new float[] {0f, 0f}, r[1]);
        r = convWeightQParams("per_channel_symmetric", "int");
        assertArrayEquals(new float[] {9f / 127, 18f / 127}, r[0], 1e-7f);
        assertArrayEquals(new float[] {0f, 0f}, r[1]);
    }

    @Test
    void oneBitIntGridIsRefusedAtCompressAndOneBitUintWorks() {
        try (Sequential net = new Sequential(new Linear(2, 2, false));
                QatQuantizer q = new QatQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"output\"],"
                        + " \"quant_bits\": {\"weight\": 1, \"output\": 8}, \"quant_dtype\": \"int\", \"op_types\": [\"Linear\"]}]"),
                        null)) {
            // int's grid for 1 bit is [−2^0 + 1, 2^0 − 1] = [0, 0]: QParams used to refuse it at the first forward
            assertEquals("invalid config list: config_list[0].quant_bits: weight width 1 with quant_dtype int gives the grid"
                    + " [0, 0], a single value; int needs at least 2 bits (uint has [0, 1] for 1 bit)",
                    assertThrows(ConfigException.class, q::compress).getMessage());
            assertFalse(q.isCompressed());
        }
        try (Sequential net = new Sequential(new Linear(2, 2, false));
                QatQuantizer q = new QatQuantizer(net,
                        ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 1, \"op_types\": [\"Linear\"]}]"), null)) {
            Linear fc = (Linear) net.get(0);
            q.compress();
            // uint 1 bit, affine: range [−1, 3] → scale 4 / (1 − 0) = 4, zero point 0 − round(−0.25) = 0;
            // q = round(clamp(w / 4, 0, 1)): −1 → 0, 3 → round(0.75) = 1, 1 → round(0.25) = 0, 2 → round(0.5) = 0 (half to even)
            set(fc.weight(), new float[] {-1f, 3f, 1f, 2f});
            net.call(Tensor.create(new float[] {1f, 1f}, 1, 2));
            assertArrayEquals(new float[] {0f, 4f, 0f, 0f}, values(fc.parametrized("weight")));
        }
    }

    @Test
    void linearWeightGoldensAndStraightThroughGradient() {
        try (Sequential net = new Sequential(new Linear(2, 2, false));
                QatQuantizer q = new QatQuantizer(net, config("[\"weight\"]", "", "[\"Linear\"]"), null)) {
            Linear fc = (Linear) net.get(0);
            q.compress();
            ModuleWrapper w = q.getWrapper("0");
            Tensor x = Tensor.create(new float[] {1f, 4f}, 1, 2);

            set(fc.weight(), new float[] {1f, 2f, 3f, 5f});
            net.call(x);
            assertEquals(5f / 255, w.getBuffer(CalibrationKeys.WEIGHT_SCALE).item_float(), 1e-7f);
            assertEquals(0f, w.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT).item_float());

            // range including 0: scale 6/255, zero point 0 − round(−1 / (6/255)) = round(42.5) = 42 (half to even)
            set(fc.weight(), new float[] {-1f, 2f, 3f, 5f});
            net.call(x);
            assertEquals(6f / 255, w.getBuffer(CalibrationKeys.WEIGHT_SCALE).item_float(), 1e-7f);
            assertEquals(42f, w.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT).item_float());

            set(fc.weight(), new float[] {1.1287f, 2.3456f, 3.7814f, 5.9723f});
            Tensor y = net.call(x);
            float[] expected = {1.1242f, 2.3421f, 3.7707f, 5.9723f};
            float[] actual = values(fc.parametrized("weight"));
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], actual[i], 1e-4f * Math.abs(expected[i]), "element " + i);
            }
            // the weight's own range holds every element: gradient 1 everywhere, dy/dW = x
            y.sum().backward();
            assertArrayEquals(new float[] {1f, 4f, 1f, 4f}, values(fc.weight().grad()));
        }
    }

    @Test
    void eachLayerKeepsItsEmaObserversAsTypedStateOverItsTrackedRange() {
        try (Sequential net = new Sequential(new Linear(2, 2), new ReLU());
                Sgd sgd = Sgd.builder().setLearningRate(0.0).build(net.parameters());
                QatQuantizer q = QatQuantizer.builder().setModel(net).setConfigList(config("[\"output\"]", "", "[\"ReLU\"]"))
                        .optOptimizer(sgd).optEmaDecay(0.9).build()) {
            q.compress();
            ModuleWrapper w = q.getWrapper("1");
            assertEquals("[\"activation_observers\" (LayerObservers)]", w.stateKeys().toString());
            LayerObservers observers = ObservingQuantizer.observers(w);
            assertEquals(List.of(QuantType.OUTPUT), List.copyOf(observers.byType().keySet()));
            EmaObserver output = assertInstanceOf(EmaObserver.class, observers.of(QuantType.OUTPUT));
            assertEquals(0.9, output.decay(), "the builder's decay");
            assertSame(w.getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT), output.min());
            assertSame(w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT), output.max());
            assertEquals("1 output", output.label());
            // first batch: range [0, 0.2] copied, then one EMA update with itself
            net.get(1).call(Tensor.create(new float[] {-0.2f, 0f, 0.1f, 0.2f}, 2, 2));
            assertEquals(0.2f, output.max().item_float(), 1e-7f);
            // second batch: 0.9·0.2 + 0.1·0.8 = 0.26
            net.get(1).call(Tensor.create(new float[] {0.2f, 0.4f, 0.6f, 0.8f}, 2, 2));
            assertEquals(0.26f, w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float(), 1e-7f);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> observers.of(QuantType.INPUT));
            assertEquals("no input observer: the layer observes [output]", e.getMessage());
            q.unwrap();
            assertTrue(w.stateKeys().isEmpty(), "unwrapping drops the observers with the buffers they update");
        }
    }

    /**
     * {@code Linear(2, 2) → ReLU} with the ReLU's output quantized, compressed, and a learning-rate-0 SGD whose
     * {@code step()} counts QAT's steps without moving the weights.
     */
    record ReluOutputQat(Sequential net, Sgd sgd, QatQuantizer q) implements AutoCloseable {

        /** Compressed, with {@code extraOptions} (JSON members, or "") in the config-list entry. */
        static ReluOutputQat compressed(String extraOptions) {
            Sequential net = new Sequential(new Linear(2, 2), new ReLU());
            Sgd sgd = Sgd.builder().setLearningRate(0.0).build(net.parameters());
            QatQuantizer q = new QatQuantizer(net, config("[\"output\"]", extraOptions, "[\"ReLU\"]"), sgd);
            q.compress();
            return new ReluOutputQat(net, sgd, q);
        }

        /** The ReLU's wrapper, holding the output range and quantization parameters. */
        ModuleWrapper wrapper() {
            return q.getWrapper("1");
        }

        /** The (wrapped) ReLU's output for {@code x}. */
        Tensor relu(Tensor x) {
            return net.get(1).call(x);
        }

        @Override
        public void close() {
            q.close();
            sgd.close();
            net.close();
        }
    }

    @Test
    void outputRangesFollowNniEmaFromTheFirstBatch() {
        try (ReluOutputQat qat = ReluOutputQat.compressed("")) {
            ModuleWrapper w = qat.wrapper();
            qat.relu(Tensor.create(new float[] {-0.2f, 0f, 0.1f, 0.2f}, 2, 2));
            assertEquals(0f, w.getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT).item_float(), 1e-7f);
            assertEquals(0.2f, w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float(), 1e-7f);
            qat.sgd().step();
            qat.relu(Tensor.create(new float[] {0.2f, 0.4f, 0.6f, 0.8f}, 2, 2));
            assertEquals(0.002f, w.getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT).item_float(), 1e-7f);
            assertEquals(0.2060f, w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float(), 1e-7f);
            assertEquals(0.2060f / 255, w.getBuffer("output_scale").item_float(), 1e-8f);
            assertEquals(0f, w.getBuffer("output_zero_point").item_float());
        }
    }

    @Test
    void activationsAreTrackedBeforeQuantStartStepAndQuantizedAfter() {
        try (ReluOutputQat qat = ReluOutputQat.compressed("\"quant_start_step\": 1")) {
            ModuleWrapper w = qat.wrapper();
            Tensor x = Tensor.create(new float[] {0f, 0.31f, 0.72f, 1f}, 1, 4);
            assertArrayEquals(new float[] {0f, 0.31f, 0.72f, 1f}, values(qat.relu(x)), "not yet quantized");
            assertEquals(1f, w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float(), 1e-7f, "but tracked");
            qat.sgd().step();
            float[] y = values(qat.relu(x));
            float s = w.getBuffer("output_scale").item_float();
            assertEquals(1f / 255, s, 1e-8f);
            // q = round(x / s): 0.31 → 79.05 → 79, 0.72 → 183.6 → 184
            assertArrayEquals(new float[] {0f, 79 * s, 184 * s, 255 * s}, y, 1e-7f);
        }
    }

    @Test
    void evaluationUsesTheStoredRangeAndGradientsStopOutsideIt() {
        try (Sequential net = new Sequential(new Linear(2, 2), new ReLU());
                QatQuantizer q = new QatQuantizer(net, config("[\"output\"]", "", "[\"ReLU\"]"), null)) {
            q.compress();
            ModuleWrapper w = q.getWrapper("1");
            net.get(1).call(Tensor.create(new float[] {0f, 1f}, 1, 2));
            float scale = w.getBuffer("output_scale").item_float();
            assertEquals(1f / 255, scale, 1e-8f);
            net.eval();
            Tensor x = Tensor.create(new float[] {-0.5f, 0.25f, 1f, 2f}, 1, 4).requires_grad_(true);
            Tensor y = net.get(1).call(x);
            assertArrayEquals(new float[] {0f, Math.round(0.25f / scale) * scale, 255 * scale, 255 * scale}, values(y),
                    1e-7f);
            assertEquals(1f, w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT).item_float(), 1e-7f, "eval tracks nothing");
            y.sum().backward();
            // ReLU zeroes -0.5; 2.0 maps to grid value 510 > 255: outside the range, gradient 0
            assertArrayEquals(new float[] {0f, 1f, 1f, 0f}, values(x.grad()));
        }
    }

    @Test
    void aFreshQuantizerLoadingTheCalibrationConfigEvaluatesWithTheTrainedRange() {
        try (Sequential net = new Sequential(new Linear(2, 2), new ReLU());
                Sequential twin = new Sequential(new Linear(2, 2), new ReLU());
                QatQuantizer q = new QatQuantizer(net, config("[\"output\"]", "", "[\"ReLU\"]"), null);
                QatQuantizer restored = new QatQuantizer(twin, config("[\"output\"]", "", "[\"ReLU\"]"), null)) {
            q.compress();
            net.get(1).call(Tensor.create(new float[] {0f, 1f}, 1, 2));
            restored.compress();
            restored.loadCalibrationConfig(q.calibrationConfig());
            // tracked [0, 1] → scale 1/255, as the training forward stored it
            assertEquals(1f / 255, restored.getWrapper("1").getBuffer("output_scale").item_float(), 1e-8f);
            twin.eval();
            net.eval();
            Tensor x = Tensor.create(new float[] {-0.5f, 0.25f, 1f, 2f}, 1, 4);
            try (NoGradGuard g = new NoGradGuard()) {
                assertArrayEquals(values(net.get(1).call(x)), values(twin.get(1).call(x)));
            }
        }
    }

    @Test
    void inputQuantizationPerChannelKeepsOneRangePerChannel() {
        try (Sequential net = new Sequential(new Conv2d(2, 1, 1));
                QatQuantizer q = new QatQuantizer(net, config("[\"input\"]",
                        "\"quant_scheme\": \"per_channel_affine\"", "[\"Conv2d\"]"), null)) {
            q.compress();
            ModuleWrapper w = q.getWrapper("0");
            // channel 0 holds [-1, 3], channel 1 holds [2, 5]
            net.call(Tensor.create(new float[] {-1f, 3f, 2f, 5f}, 1, 2, 1, 2));
            assertArrayEquals(new long[] {1, 2, 1, 1}, w.getBuffer(CalibrationKeys.TRACKED_MIN_INPUT).shape());
            assertArrayEquals(new float[] {-1f, 2f}, values(w.getBuffer(CalibrationKeys.TRACKED_MIN_INPUT)), 1e-6f);
            assertArrayEquals(new float[] {3f, 5f}, values(w.getBuffer(CalibrationKeys.TRACKED_MAX_INPUT)), 1e-6f);
            // widened to 0: channel 1 range [0, 5]
            assertArrayEquals(new float[] {4f / 255, 5f / 255}, values(w.getBuffer("input_scale")), 1e-7f);
            assertArrayEquals(new float[] {64f, 0f}, values(w.getBuffer("input_zero_point")));
        }
    }

    @Test
    void perChannelOutputOfAnUntracedReluNeedsADummyInput() {
        try (Sequential net = new Sequential(new Linear(2, 2), new ReLU());
                QatQuantizer q = new QatQuantizer(net, config("[\"output\"]",
                        "\"quant_scheme\": \"per_channel_affine\"", "[\"ReLU\"]"), null)) {
            // refused by compress()'s checks, before anything is wrapped
            assertEquals("invalid config list: config_list[0].quant_scheme: per_channel_affine output quantization of 1 (ReLU)"
                    + " needs the output's channel count, known without a dummy input only for Conv2d and Linear layers;"
                    + " pass a dummy input or use a per_tensor scheme",
                    assertThrows(ConfigException.class, q::compress).getMessage());
            assertFalse(q.isCompressed());
        }
        try (Sequential net = new Sequential(new Linear(2, 3), new ReLU());
                QatQuantizer q = QatQuantizer.builder().setModel(net).setConfigList(config("[\"output\"]",
                        "\"quant_scheme\": \"per_channel_affine\"", "[\"ReLU\"]")).optDummyInput(torch.zeros(4, 2)).build()) {
            q.compress();
            assertArrayEquals(new long[] {1, 3}, q.getWrapper("1").getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT).shape());
        }
    }

    @Test
    void quantizationAwareTrainingFitsALinearMapInsideStepScopes() {
        torch.manual_seed(11);
        Tensor x = torch.rand(64, 2);
        // target y = 2·x0 − x1 + 0.5
        Tensor y = x.select(1, 0).mul(new org.bytedeco.pytorch.Scalar(2.0)).sub(x.select(1, 1))
                .add(new org.bytedeco.pytorch.Scalar(0.5)).unsqueeze(1);
        try (Sequential net = new Sequential(new Linear(2, 1));
                Sgd sgd = Sgd.builder().setLearningRate(0.2).build(net.parameters());
                QatQuantizer q = new QatQuantizer(net, config("[\"weight\", \"input\", \"output\"]",
                        "\"quant_start_step\": 5", "[\"Linear\"]"), sgd)) {
            q.compress();
            double first = 0;
            double last = 0;
            for (int step = 0; step < 300; step++) {
                try (org.bytedeco.javacpp.PointerScope s = new org.bytedeco.javacpp.PointerScope()) {
                    net.zeroGrad();
                    Tensor loss = torch.mse_loss(net.call(x), y);
                    loss.backward();
                    sgd.step();
                    last = loss.item_double();
                    if (step == 0) {
                        first = last;
                    }
                }
            }
            assertEquals(300, q.steps());
            // measured 0.977 → 0.0068: the EMA output range lags the growing outputs, and clipped values get
            // no gradient, so QAT converges more slowly than float training, but it converges
            assertEquals(true, last < first / 100, "loss " + first + " → " + last);
            assertEquals(true, q.getWrapper("0").getBuffer("output_scale").item_float() > 0f);
        }
    }

    @Test
    void bitWidthsAFloatGridCannotHoldAreRejected() {
        try (Sequential net = new Sequential(new Linear(2, 2));
                QatQuantizer q = new QatQuantizer(net, ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\"], "
                        + "\"quant_bits\": {\"weight\": 32, \"input\": 8}, \"op_types\": [\"Linear\"]}]"), null)) {
            assertEquals("invalid config list: config_list[0].quant_bits: weight width 32 is outside [1, 31]",
                    assertThrows(dev.shrink4j.compress.config.ConfigException.class, q::compress).getMessage());
        }
    }

    // ---------------------------------------------------------------- batch-norm folding

    static Sequential convBn() {
        torch.manual_seed(7);
        Sequential net = new Sequential(Conv2d.builder().setInChannels(2).setOutChannels(3).setKernelSize(3)
                .optPadding(1).build(), new BatchNorm2d(3));
        BatchNorm2d bn = (BatchNorm2d) net.get(1);
        set(bn.weight(), new float[] {1.5f, 0.5f, -1f});
        set(bn.bias(), new float[] {0.1f, -0.2f, 0.3f});
        set(bn.runningMean(), new float[] {0.2f, -0.1f, 0.05f});
        set(bn.runningVar(), new float[] {0.5f, 2f, 1.2f});
        return net;
    }

    static float maxAbsDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    @Test
    void convBatchNormPairsAreTheGraphEdgesFromAConvolutionIntoABatchNorm() {
        // ResNet-20 option B: the stem, both convolutions of every block and each projection feed their batch
        // norm directly: 1 + 2·9 + 2 = 21 pairs
        torch.manual_seed(1);
        try (ResNet net = new ResNet(20, ShortcutOption.B, 3, 10)) {
            Map<String, String> expected = new java.util.LinkedHashMap<>();
            expected.put("conv1", "bn1");
            for (int stage = 1; stage <= 3; stage++) {
                for (int block = 0; block < 3; block++) {
                    String b = "layer" + stage + "." + block + ".";
                    expected.put(b + "conv1", b + "bn1");
                    expected.put(b + "conv2", b + "bn2");
                    if (stage > 1 && block == 0) {
                        expected.put(b + "shortcut.0", b + "shortcut.1");
                    }
                }
            }
            assertEquals(expected, Map.copyOf(QatQuantizer.convBnPairs(ModelGraph.trace(net, torch.zeros(1, 3, 8, 8)))));
        }
        // a batch norm behind an activation reads the activation's output, not the convolution's: no pair
        try (Sequential net = new Sequential(new Conv2d(2, 3, 1), new ReLU(), new BatchNorm2d(3))) {
            assertEquals(Map.of(), QatQuantizer.convBnPairs(ModelGraph.trace(net, torch.zeros(1, 2, 2, 2))));
        }
    }

    /** {@code conv(x) + x} added raw in forward: the tracer cannot account for the sum. */
    static final class RawResidual extends dev.shrink4j.nn.Module {
        final Conv2d conv = registerModule("conv", new Conv2d(2, 2, 1));
        final BatchNorm2d bn = registerModule("bn", new BatchNorm2d(2));

        @Override
        protected Tensor forward(Tensor x) {
            return bn.call(conv.call(x).add(x));
        }
    }

    @Test
    void aDummyInputThroughAModelTheTracerCannotFollowIsRefusedAndNothingStaysWrapped() {
        try (RawResidual net = new RawResidual(); QatQuantizer q = QatQuantizer.builder().setModel(net)
                .setConfigList(config("[\"weight\"]", "", "[\"Conv2d\"]")).optDummyInput(torch.zeros(1, 2, 2, 2))
                .optFoldBatchNorm(true).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, q::compress);
            assertTrue(e.getMessage().startsWith("QatQuantizer: the dummy input traces RawResidual for activation shapes:"
                    + " cannot trace RawResidual: 1 input is computed outside any module"), e.getMessage());
            assertTrue(e.getMessage().contains("bn"), e.getMessage());
            assertFalse(q.isCompressed());
        }
    }

    @Test
    void foldedConvolutionEqualsConvolutionThenBatchNormAndUpdatesStatisticsOnce() {
        torch.manual_seed(3);
        Tensor x = torch.randn(4, 2, 5, 5);
        try (Sequential ref = convBn(); Sequential net = convBn();
                Sgd sgd = Sgd.builder().setLearningRate(0.0).build(net.parameters());
                QatQuantizer q = QatQuantizer.builder().setModel(net)
                        .setConfigList(config("[\"weight\"]", "\"quant_start_step\": 1000", "[\"Conv2d\"]"))
                        .optOptimizer(sgd).optDummyInput(torch.zeros(1, 2, 5, 5)).optFoldBatchNorm(true).build()) {
            q.compress();
            assertEquals(Map.of("0", "1"), q.foldedPairs());
            // the trace ran in eval mode: statistics untouched
            BatchNorm2d bn = (BatchNorm2d) net.get(1);
            assertArrayEquals(new float[] {0.2f, -0.1f, 0.05f}, values(bn.runningMean()));

            // training forward: running statistics updated exactly as by conv → bn, once
            ref.call(x);
            net.call(x);
            BatchNorm2d refBn = (BatchNorm2d) ref.get(1);
            assertArrayEquals(values(refBn.runningMean()), values(bn.runningMean()), 1e-6f);
            assertArrayEquals(values(refBn.runningVar()), values(bn.runningVar()), 1e-6f);
            assertEquals(1L, bn.numBatchesTracked().item_long());
            assertEquals(true, bn.isTraining(), "the batch norm's training flag is restored");

            // evaluation, quantization not started: folded forward = conv → bn with running statistics
            ref.eval();
            net.eval();
            try (NoGradGuard g = new NoGradGuard()) {
                assertEquals(0f, maxAbsDiff(ref.call(x), net.call(x)), 1e-5f);
            }
        }
    }

    @Test
    void foldedQuantizedConvolutionIsCloseAtHighBitsAndGradientsReachTheBatchNorm() {
        torch.manual_seed(5);
        Tensor x = torch.randn(2, 2, 5, 5);
        try (Sequential ref = convBn(); Sequential net = convBn();
                QatQuantizer q = QatQuantizer.builder().setModel(net)
                        .setConfigList(ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": 16, "
                                + "\"op_types\": [\"Conv2d\"]}]"))
                        .optFoldPair("0", "1").build()) {
            q.compress();
            ref.eval();
            net.eval();
            Tensor y = net.call(x);
            try (NoGradGuard g = new NoGradGuard()) {
                assertEquals(0f, maxAbsDiff(ref.call(x), y), 1e-3f);
            }
            // the weight scale is the folded weight's (range widened to 0) / 65535
            Conv2d conv = (Conv2d) net.get(0);
            BatchNorm2d bn = (BatchNorm2d) net.get(1);
            Tensor folded = conv.weight().mul(bn.weight().div(bn.runningVar().add(new org.bytedeco.pytorch.Scalar(1e-5))
                    .sqrt()).view(-1, 1, 1, 1)).detach();
            float lo = Math.min(0f, folded.min().item_float());
            float hi = Math.max(0f, folded.max().item_float());
            assertEquals((hi - lo) / 65535f, q.getWrapper("0").getBuffer(CalibrationKeys.WEIGHT_SCALE).item_float(), 1e-9f);
            y.sum().backward();
            // d(sum y)/dβ_c = number of output positions per channel = 2 · 5 · 5
            assertArrayEquals(new float[] {50f, 50f, 50f}, values(bn.bias().grad()));
        }
    }

    @Test
    void unwrapRemovesTheHooksFoldingPutOnTheBatchNormItDoesNotWrap() {
        torch.manual_seed(3);
        Tensor x = torch.randn(4, 2, 5, 5);
        try (Sequential ref = convBn(); Sequential net = convBn();
                Sgd sgd = Sgd.builder().setLearningRate(0.0).build(net.parameters())) {
            QatQuantizer q = QatQuantizer.builder().setModel(net).setConfigList(config("[\"weight\", \"input\", \"output\"]",
                    "", "[\"Conv2d\"]")).optOptimizer(sgd).optFoldPair("0", "1").build();
            q.compress();
            BatchNorm2d bn = (BatchNorm2d) net.get(1);
            assertEquals(1, bn.forwardPreHookCount());
            assertEquals(1, bn.forwardHookCount());
            net.call(x).sum().backward();
            sgd.step();
            q.unwrap();
            for (int i = 0; i < 2; i++) {
                assertEquals(0, net.get(i).forwardPreHookCount(), "module " + i);
                assertEquals(0, net.get(i).forwardHookCount(), "module " + i);
                assertEquals(java.util.Set.of(), net.get(i).parametrizedNames(), "module " + i);
            }
            assertEquals(true, bn.isTraining());
            // plain conv → bn again: what an unwrapped model with the same weights and statistics computes
            ref.loadStateDict(net.stateDict(), true);
            ref.eval();
            net.eval();
            try (NoGradGuard g = new NoGradGuard()) {
                assertEquals(0f, maxAbsDiff(ref.call(x), net.call(x)));
            }
        }
    }

    @Test
    void foldingRejectsAPairWhoseConvolutionIsNotWrapped() {
        try (Sequential net = convBn();
                QatQuantizer q = QatQuantizer.builder().setModel(net)
                        .setConfigList(config("[\"weight\"]", "", "[\"Conv2d\"]")).optFoldPair("2", "1").build()) {
            assertEquals("batch-norm folding: 2 is not a wrapped layer; wrapped: [0]",
                    assertThrows(IllegalArgumentException.class, q::compress).getMessage());
            assertEquals(false, net.get(0).isParametrized("weight"), "compress() rolled back");
        }
        try (Sequential net = convBn();
                QatQuantizer q = QatQuantizer.builder().setModel(net)
                        .setConfigList(config("[\"input\"]", "", "[\"Conv2d\"]")).optFoldPair("0", "1").build()) {
            assertEquals("batch-norm folding: 0 must have \"weight\" in quant_types (config_list[0]) to fold 1",
                    assertThrows(IllegalArgumentException.class, q::compress).getMessage());
        }
        assertEquals("optFoldBatchNorm(true) finds conv→bn pairs by tracing; give optDummyInput or name the pairs "
                + "with optFoldPair", assertThrows(IllegalArgumentException.class, () -> QatQuantizer.builder()
                        .setModel(new Sequential()).setConfigList(ConfigList.fromJson("[]")).optFoldBatchNorm(true)
                        .build()).getMessage());
    }

    /** A QAT quantizer of {@code net}'s Linear layers for {@code quantTypes}, compressed, {@code net} in training mode. */
    static QatQuantizer compressedForTraining(OneLinear net, String quantTypes) {
        QatQuantizer q = new QatQuantizer(net, config(quantTypes, "", "[\"Linear\"]"), null);
        q.compress();
        net.train();
        return q;
    }

    /** The message with which a forward pass of {@code x} through {@code net} refuses a non-finite range. */
    static String nonFiniteRangeMessage(OneLinear net, Tensor x) {
        return assertThrows(NonFiniteRangeException.class, () -> net.call(x)).getMessage();
    }

    @Test
    void aNonFiniteInputRangeIsAnErrorNamingTheLayerAndLeavesTheTrackedRange() {
        try (OneLinear net = new OneLinear(2, 1, new float[] {1f, -1f});
                QatQuantizer q = compressedForTraining(net, "[\"input\", \"output\"]")) {
            net.call(Tensor.create(new float[] {-1f, 2f}, 1, 2));
            float min = q.getWrapper("fc").getBuffer(CalibrationKeys.TRACKED_MIN_INPUT).item_float();
            float max = q.getWrapper("fc").getBuffer(CalibrationKeys.TRACKED_MAX_INPUT).item_float();
            assertEquals("fc input: non-finite range observed: min NaN, max NaN in a tensor of shape [2, 2]"
                    + " that holds NaN or infinite values",
                    nonFiniteRangeMessage(net, Tensor.create(new float[] {0.5f, Float.NaN, 1f, 1f}, 2, 2)));
            assertEquals(min, q.getWrapper("fc").getBuffer(CalibrationKeys.TRACKED_MIN_INPUT).item_float());
            assertEquals(max, q.getWrapper("fc").getBuffer(CalibrationKeys.TRACKED_MAX_INPUT).item_float());
        }
    }

    @Test
    void anOutputThatOverflowsFromFiniteInputsIsNamedAsTheOutput() {
        try (OneLinear net = new OneLinear(2, 1, new float[] {1f, -1f});
                QatQuantizer q = compressedForTraining(net, "[\"output\"]")) {
            // 3e38·1 + (−3e38)·(−1) = 6e38 overflows float32
            assertEquals("fc output: non-finite range observed: min inf, max inf in a tensor of shape [1, 1]"
                    + " that holds NaN or infinite values",
                    nonFiniteRangeMessage(net, Tensor.create(new float[] {3e38f, -3e38f}, 1, 2)));
        }
    }
}
