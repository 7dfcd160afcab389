package dev.shrink4j.quant.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** {@code Quantizer.activationQParams}: the grids a runtime needs to run quantized activations in integers. */
class ActivationQParamsTest {

    @Test
    void observerGridsAreTheFixedBuffersWithTheConfiguredRange() {
        try (Sequential net = ObserverQuantizerTest.net();
                ObserverQuantizer q = new ObserverQuantizer(net, ObserverQuantizerTest.CONFIG)) {
            q.compress();
            // before fix() the scales are 0: nothing to export yet
            assertEquals("0: the input scale of ObserverQuantizer has not been computed yet (it is 0: calibrate, or run a"
                    + " quantized forward first)",
                    assertThrows(IllegalStateException.class, () -> q.activationQParams("0", QuantType.INPUT)).getMessage());
            q.calibrate(ObserverQuantizerTest.BATCHES);
            // input range [-1, 3], uint8: scale 4/255, zero point round(1/(4/255)) = round(63.75) = 64
            QParams in = q.activationQParams("0", QuantType.INPUT).orElseThrow();
            assertEquals(4f / 255f, in.scale().item_float(), 1e-9);
            assertEquals(64f, in.zeroPoint().item_float());
            assertEquals(0, in.qmin());
            assertEquals(255, in.qmax());
            // the live buffer, not a copy
            assertEquals(q.getWrapper("0").getBuffer("input_scale").data_ptr().address(), in.scale().data_ptr().address());
            assertTrue(q.activationQParams("0", QuantType.OUTPUT).isEmpty(), "the Linear does not quantize its output");
            assertEquals(0f, q.activationQParams("1", QuantType.OUTPUT).orElseThrow().zeroPoint().item_float(),
                    "ReLU outputs start at 0");
        }
    }

    @Test
    void lsqGridIsTheStepSizeWithZeroPointZeroOnASignedRange() {
        try (OneLinear net = new OneLinear(2, 1, new float[] {0.5f, -0.25f});
                LsqQuantizer q = LsqQuantizer.builder().setModel(net).setConfigList(ConfigList.fromJson(
                        "[{\"quant_types\": [\"weight\", \"input\"], \"quant_bits\": 4, \"op_types\": [\"Linear\"]}]"))
                        .build()) {
            q.compress();
            assertEquals("fc: the input step of LsqQuantizer is set by the first batch that reaches the layer, and none has"
                    + " yet: run a forward (or load a calibration) first",
                    assertThrows(IllegalStateException.class, () -> q.activationQParams("fc", QuantType.INPUT)).getMessage());
            net.call(Tensor.create(new float[] {1f, -3f}, 1, 2));
            // initial step 2·mean|x|/sqrt(qmax) = 2·2/sqrt(7)
            QParams in = q.activationQParams("fc", QuantType.INPUT).orElseThrow();
            assertEquals((float) (4 / Math.sqrt(7)), in.scale().item_float(), 1e-6);
            assertEquals(0f, in.zeroPoint().item_float());
            assertEquals(-8, in.qmin());
            assertEquals(7, in.qmax());
        }
    }

    @Test
    void bnnOutputsAndUnknownLayersAndWeightsAreRefused() {
        try (OneLinear net = new OneLinear(2, 1, new float[] {0.5f, -0.25f});
                BnnQuantizer q = new BnnQuantizer(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"weight\", \"output\"], \"quant_bits\": 1, \"op_types\": [\"Linear\"]}]"), null)) {
            q.compress();
            assertEquals("BnnQuantizer's output of fc is sign(y) in {-1, +1} (sign(0) = +1), not an affine integer grid",
                    assertThrows(UnsupportedOperationException.class,
                            () -> q.activationQParams("fc", QuantType.OUTPUT)).getMessage());
            assertEquals("BnnQuantizer quantizes no layer \"fc2\"; quantized layers: [fc]",
                    assertThrows(IllegalArgumentException.class,
                            () -> q.activationQParams("fc2", QuantType.OUTPUT)).getMessage());
            assertEquals("activationQParams covers input and output; weights: integerStateDict()",
                    assertThrows(IllegalArgumentException.class,
                            () -> q.activationQParams("fc", QuantType.WEIGHT)).getMessage());
        }
    }
}
