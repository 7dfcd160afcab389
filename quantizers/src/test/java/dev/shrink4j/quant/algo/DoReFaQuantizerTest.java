package dev.shrink4j.quant.algo;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class DoReFaQuantizerTest {

    /** tanh of these: −0.9640, −0.4621, 0, 0.2913, 0.7616, 0.9951 (the maximum). */
    static final float[] W = {-2f, -0.5f, 0f, 0.3f, 1f, 3f};

    /** {@code 2·(r/K) − 1} in float32, the formula's last two steps for rounded levels {@code r}. */
    static float[] levels(int k, int... r) {
        float[] out = new float[r.length];
        for (int i = 0; i < r.length; i++) {
            float q = (float) r[i] / k;
            out[i] = 2f * q - 1f;
        }
        return out;
    }

    static OneLinear layer(float[] w) {
        return new OneLinear(3, 2, w);
    }

    static DoReFaQuantizer quantizer(OneLinear fc, int bits) {
        return new DoReFaQuantizer(fc, ConfigList.fromJson("[{\"quant_types\": [\"weight\"], \"quant_bits\": " + bits
                + ", \"op_types\": [\"Linear\"]}]"), null);
    }

    /** The weight the forward pass sees after quantizing {@code w} to {@code bits} bits. */
    static float[] quantizedWeight(float[] w, int bits) {
        try (OneLinear net = layer(w); DoReFaQuantizer q = quantizer(net, bits)) {
            q.compress();
            return values(net.fc.parametrized("weight"));
        }
    }

    @Test
    void twoBitLevelsFollowTheFormulaWithHalfToEven() {
        // u = t/(2·0.9951) + 0.5 = 0.0156, 0.2678, 0.5, 0.6464, 0.8827, 1; u·3 = 0.05, 0.80, 1.5, 1.94, 2.65, 3
        // round half to even: 1.5 → 2
        float[] weight = quantizedWeight(W, 2);
        assertArrayEquals(levels(3, 0, 1, 2, 2, 3, 3), weight);
        assertArrayEquals(new float[] {-1f, -1f / 3, 1f / 3, 1f / 3, 1f, 1f}, weight, 1e-7f);
    }

    @Test
    void fourBitLevelsFollowTheFormula() {
        // u·15 = 0.23, 4.02, 7.5 (→ 8, half to even), 9.70, 13.24, 15
        assertArrayEquals(levels(15, 0, 4, 8, 10, 13, 15), quantizedWeight(W, 4));
    }

    @Test
    void allZeroWeightsMapToTheMiddleLevelInsteadOfNaN() {
        // t = 0 everywhere, max taken as 1: u = 0.5, round(1.5) = 2
        assertArrayEquals(levels(3, 2, 2, 2, 2, 2, 2), quantizedWeight(new float[6], 2));
    }

    @Test
    void gradientIsStraightThroughToTheStoredWeight() {
        try (OneLinear net = layer(W); DoReFaQuantizer q = quantizer(net, 2)) {
            q.compress();
            Linear fc = net.fc;
            Tensor coefficient = Tensor.create(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
            fc.parametrized("weight").mul(coefficient).sum().backward();
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, values(fc.weight().grad()));
            assertArrayEquals(W, values(fc.weight()), "the stored weight stays full precision");
        }
    }

    @Test
    void integerExportIsRefusedWithTheReason() {
        try (OneLinear net = layer(W); DoReFaQuantizer q = quantizer(net, 2)) {
            q.compress();
            Linear fc = net.fc;
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, q::integerStateDict);
            assertEquals("DoReFaQuantizer cannot export integer weights for fc: its levels 2·r/K − 1 are not float32"
                    + " multiples of one scale, so dequantized integers would not reproduce the fake-quantized weights"
                    + " bit-exactly; use exportFakeQuant", e.getMessage());
        }
    }

    @Test
    void onlyWeightsCanBeQuantized() {
        try (OneLinear net = layer(W); DoReFaQuantizer q = new DoReFaQuantizer(net, ConfigList.fromJson(
                "[{\"quant_types\": [\"output\"], \"quant_bits\": 2, \"op_names\": [\"fc\"]}]"), null)) {
            ConfigException e = assertThrows(ConfigException.class, q::compress);
            assertEquals("invalid config list: config_list[0].quant_types[0]: \"output\" is not one of weight", e.getMessage());
        }
    }
}
