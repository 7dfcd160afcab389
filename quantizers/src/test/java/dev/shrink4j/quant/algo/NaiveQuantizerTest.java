package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.quant.core.CalibrationKeys;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class NaiveQuantizerTest {

    static final ConfigList CONFIG = ConfigList.fromJson(
            "[{\"quant_types\": [\"weight\"], \"quant_bits\": 8, \"op_types\": [\"Linear\"]}]");

    /** trunc(w / s) · s in float32, the rule the quantizer documents. */
    static float[] truncated(float[] w, float s) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = (float) (int) (w[i] / s) * s;
        }
        return out;
    }

    @Test
    void weightsAreTruncatedToAGrowingScaleWithStraightThroughGradients() {
        try (Sequential net = new Sequential(new Linear(2, 2, false));
                NaiveQuantizer q = new NaiveQuantizer(net, CONFIG, null)) {
            Linear fc = (Linear) net.get(0);
            float[] w = {0.5f, -1.27f, 0.3333f, -0.0049f};
            set(fc.weight(), w);
            q.compress();
            Tensor x = Tensor.create(new float[] {1f, 0f}, 1, 2);
            net.call(x);
            float s1 = 1.27f / 127f;
            assertEquals(s1, (float) q.scale("0"));
            assertArrayEquals(truncated(w, s1), values(fc.parametrized("weight")));
            // exact values: 0.5/0.01 = 50 → 0.5, -127 → -1.27, 33.33 → 0.33, -0.49 → 0 (toward zero)
            assertArrayEquals(new float[] {50 * s1, -127 * s1, 33 * s1, 0f}, values(fc.parametrized("weight")));

            // smaller weights keep the scale (it never shrinks)
            float[] small = {0.1f, -0.2f, 0.05f, 0.015f};
            set(fc.weight(), small);
            net.call(x);
            assertEquals(s1, (float) q.scale("0"), "scale is monotone");
            assertArrayEquals(truncated(small, s1), values(fc.parametrized("weight")));

            // larger weights grow it
            float[] big = {2.54f, 0f, -1f, 0.7f};
            set(fc.weight(), big);
            net.call(x);
            float s2 = 2.54f / 127f;
            assertEquals(s2, (float) q.scale("0"));
            assertEquals(s2, q.getWrapper("0").getBuffer(CalibrationKeys.WEIGHT_SCALE).item_float());
            assertEquals(0f, q.getWrapper("0").getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT).item_float());
            assertArrayEquals(truncated(big, s2), values(fc.parametrized("weight")));

            // STE: y = W_q x, so dy/dW = x for every element, whatever the rounding did
            Tensor y = net.call(Tensor.create(new float[] {3f, -2f}, 1, 2));
            y.sum().backward();
            assertArrayEquals(new float[] {3f, -2f, 3f, -2f}, values(fc.weight().grad()));
        }
    }

    @Test
    void integerWeightsAreSignedInt8WithZeroPointZero() {
        try (Sequential net = new Sequential(new Linear(2, 2, false));
                NaiveQuantizer q = new NaiveQuantizer(net, CONFIG, null)) {
            Linear fc = (Linear) net.get(0);
            set(fc.weight(), new float[] {0.5f, -1.27f, 0.3333f, -0.0049f});
            q.compress();
            net.call(Tensor.create(new float[] {1f, 0f}, 1, 2));
            java.util.Map<String, Tensor> ints = q.integerStateDict();
            // scale 0.01: trunc(w / 0.01) = 50, -127, 33, 0 (truncation toward zero)
            assertEquals(org.bytedeco.pytorch.global.torch.ScalarType.Char, ints.get("0.weight").scalar_type().intern());
            assertArrayEquals(new long[] {50, -127, 33, 0}, longs(ints.get("0.weight")));
            assertEquals(0L, ints.get("0.weight_zero_point").item_long());
        }
    }

    private static long[] longs(Tensor t) {
        Tensor c = t.to(org.bytedeco.pytorch.global.torch.ScalarType.Long).contiguous();
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out);
        return out;
    }

    @Test
    void allZeroWeightsStayZero() {
        try (Sequential net = new Sequential(new Linear(2, 1, false));
                NaiveQuantizer q = new NaiveQuantizer(net, CONFIG, null)) {
            set(((Linear) net.get(0)).weight(), new float[] {0f, 0f});
            q.compress();
            assertArrayEquals(new float[] {0f}, values(net.call(Tensor.create(new float[] {1f, 1f}, 1, 2))));
            assertEquals(0.0, q.scale("0"));
        }
    }

    @Test
    void otherBitWidthsAndQuantTypesAreRejected() {
        try (Sequential net = new Sequential(new Linear(2, 1, false));
                NaiveQuantizer q = new NaiveQuantizer(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"weight\"], \"quant_bits\": 4, \"op_types\": [\"Linear\"]}]"), null)) {
            assertEquals("invalid config list: config_list[0].quant_bits: 4 is not supported; NaiveQuantizer quantizes "
                    + "weights to 8 bits", assertThrows(ConfigException.class, q::compress).getMessage());
        }
        try (Sequential net = new Sequential(new Linear(2, 1, false));
                NaiveQuantizer q = new NaiveQuantizer(net, ConfigList.fromJson(
                        "[{\"quant_types\": [\"output\"], \"quant_bits\": 8, \"op_types\": [\"Linear\"]}]"), null)) {
            ConfigException e = assertThrows(ConfigException.class, q::compress);
            assertEquals(true, e.getMessage().contains("config_list[0].quant_types"), e.getMessage());
        }
    }
}
