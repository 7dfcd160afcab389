package dev.shrink4j.quant;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.core.Ste;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class QuantizerTest {

    // ---- A custom quantizer: weights rounded to multiples of 0.5, outputs clamped to [0, 1] after start.
    static final class HalfStepQuantizer extends Quantizer {
        HalfStepQuantizer(Module model, ConfigList configList, Sgd optimizer) {
            super(model, configList, optimizer);
        }

        @Override
        public Tensor quantizeWeight(Tensor w, ModuleWrapper wrapper) {
            return Ste.straightThrough(w, w.mul(new Scalar(2.0)).round().div(new Scalar(2.0)));
        }

        @Override
        public Tensor quantizeOutput(Tensor y, ModuleWrapper wrapper) {
            if (!quantizationStarted(wrapper)) {
                return y;
            }
            Tensor inside = y.ge(new Scalar(0.0)).logical_and(y.le(new Scalar(1.0))).to(torch.ScalarType.Float);
            return Ste.masked(y, y.clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar(0.0)),
                    new org.bytedeco.pytorch.ScalarOptional(new Scalar(1.0))), inside);
        }
    }
    // ----

    static final class Net extends Module {
        final Linear fc = registerModule("fc", new Linear(2, 2, false));
        final ReLU relu = registerModule("relu", new ReLU());

        @Override
        protected Tensor forward(Tensor x) {
            return relu.call(fc.call(x));
        }
    }

    @Test
    void customQuantizerQuantizesWeightsAndOutputsWithStraightThroughGradients() {
        try (Net net = new Net(); Sgd sgd = Sgd.builder().setLearningRate(0.0).build(net.parameters());
                HalfStepQuantizer q = new HalfStepQuantizer(net, ConfigList.fromJson("["
                        + "{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Linear\"]},"
                        + "{\"quant_types\": [\"output\"], \"quant_bits\": 8, \"quant_start_step\": 1, \"op_names\": [\"fc\"]}]"), sgd)) {
            try (NoGradGuard g = new NoGradGuard()) {
                net.fc.weight().copy_(Tensor.create(new float[] {0.3f, 0.8f, -0.2f, 1.3f}, 2, 2));
            }
            q.compress();
            // only fc is selected; the later entry wins for it: quant_types [output]
            assertEquals(java.util.List.of("fc"), q.getModulesWrapper().stream().map(ModuleWrapper::name).toList());
            assertEquals(java.util.Set.of(dev.shrink4j.quant.config.QuantType.OUTPUT),
                    QuantConfig.types(q.getWrapper("fc").config()));
            Tensor x = Tensor.create(new float[] {1f, 2f}, 1, 2);
            assertArrayEquals(new float[] {1.9f, 2.4f}, values(net.call(x)), 1e-6f, "before quant_start_step");
            sgd.step();
            assertEquals(1, q.steps());
            Tensor y = net.fc.call(x);
            assertArrayEquals(new float[] {1f, 1f}, values(y), "outputs clamped after step 1");
        }
    }

    @Test
    void weightQuantizationKeepsFullPrecisionWeightsAndPassesGradientsStraightThrough() {
        try (Net net = new Net();
                HalfStepQuantizer q = new HalfStepQuantizer(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Linear\"]}]"), null)) {
            try (NoGradGuard g = new NoGradGuard()) {
                net.fc.weight().copy_(Tensor.create(new float[] {0.3f, 0.8f, -0.2f, 1.3f}, 2, 2));
            }
            q.compress();
            Tensor x = Tensor.create(new float[] {1f, 2f}, 1, 2);
            Tensor y = net.fc.call(x);
            // quantized weight [[0.5, 1], [0, 1.5]] → y = [2.5, 3]
            assertArrayEquals(new float[] {2.5f, 3f}, values(y));
            y.sum().backward();
            assertArrayEquals(new float[] {1f, 2f, 1f, 2f}, values(net.fc.weight().grad()), "STE: d/dw = x");
            assertArrayEquals(new float[] {0.3f, 0.8f, -0.2f, 1.3f}, values(net.fc.weight()), "stored weight untouched");
        }
    }

    /** Rounds inputs and outputs alike, to a multiple of 1 (input) or of 0.25 (output), recording what it saw. */
    static final class ActivationRounder extends Quantizer {
        final java.util.List<String> seen = new java.util.ArrayList<>();

        ActivationRounder(Module model, ConfigList configList) {
            super(model, configList, null);
        }

        @Override
        protected Tensor quantizeActivation(Tensor x, ModuleWrapper wrapper, dev.shrink4j.quant.config.QuantType type) {
            seen.add(wrapper.name() + " " + type.key());
            double step = type == dev.shrink4j.quant.config.QuantType.INPUT ? 1.0 : 0.25;
            return Ste.straightThrough(x, x.div(new Scalar(step)).round().mul(new Scalar(step)));
        }
    }

    @Test
    void quantizeActivationServesInputsAndOutputsWithTheirType() {
        try (Net net = new Net();
                ActivationRounder q = new ActivationRounder(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"input\", \"output\"], \"quant_bits\": 8, \"op_names\": [\"fc\"]}]"))) {
            try (NoGradGuard g = new NoGradGuard()) {
                net.fc.weight().copy_(Tensor.create(new float[] {0.3f, 0.8f, -0.2f, 1.3f}, 2, 2));
            }
            q.compress();
            // input [0.9, 2.2] → [1, 2]; fc: [0.3 + 1.6, −0.2 + 2.6] = [1.9, 2.4] → quarters [2, 2.5]
            assertArrayEquals(new float[] {2f, 2.5f}, values(net.fc.call(Tensor.create(new float[] {0.9f, 2.2f}, 1, 2))));
            assertEquals(java.util.List.of("fc input", "fc output"), q.seen);
        }
    }

    @Test
    void quantStartStepWithoutOptimizerIsRejected() {
        try (Net net = new Net();
                HalfStepQuantizer q = new HalfStepQuantizer(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"output\"], \"quant_bits\": 8, \"quant_start_step\": 5, \"op_types\": [\"ReLU\"]}]"), null)) {
            assertEquals("invalid config list: config_list[0].quant_start_step: 5 counts optimizer steps, but "
                    + "HalfStepQuantizer was given no optimizer", assertThrows(ConfigException.class, q::compress).getMessage());
        }
    }
}
