package dev.shrink4j.quant.core;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.quant.config.QuantDtype;
import dev.shrink4j.quant.config.QuantScheme;
import dev.shrink4j.quant.config.QuantType;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QParamsTest {

    /** NNI's test_quantization_dtype_scheme weight: arange(1, 19).view(2, 1, 3, 3). */
    static Tensor convWeight() {
        return torch.arange(new Scalar(1), new Scalar(19)).to(torch.ScalarType.Float).view(2, 1, 3, 3);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        // scheme, dtype, scale numerators (per channel: both), divisor, zero point
        "per_tensor_affine,     uint, 18, 18, 255,   0",
        "per_tensor_affine,     int,  18, 18, 254,   -127",
        "per_tensor_symmetric,  int,  18, 18, 127,   0",
        "per_tensor_symmetric,  uint, 18, 18, 127.5, 127",
        "per_channel_affine,    uint, 9,  18, 255,   0",
        "per_channel_affine,    int,  9,  18, 254,   -127",
        "per_channel_symmetric, int,  9,  18, 127,   0",
        "per_channel_symmetric, uint, 9,  18, 127.5, 127"})
    void weightQParamsMatchNniGoldenValues(String scheme, String dtype, double s0, double s1, double divisor,
            float zeroPoint) {
        QuantScheme qs = QuantScheme.valueOf(scheme.toUpperCase());
        QParams p = QParams.fromTensor(convWeight(), QuantType.WEIGHT, 8, QuantDtype.valueOf(dtype.toUpperCase()), qs);
        if (qs.perChannel()) {
            assertArrayEquals(new long[] {2, 1, 1, 1}, p.scale().shape());
            assertArrayEquals(new float[] {(float) (s0 / divisor), (float) (s1 / divisor)}, values(p.scale()));
            assertArrayEquals(new float[] {zeroPoint, zeroPoint}, values(p.zeroPoint()));
        } else {
            assertArrayEquals(new long[0], p.scale().shape());
            assertArrayEquals(new float[] {(float) (s0 / divisor)}, values(p.scale()));
            assertArrayEquals(new float[] {zeroPoint}, values(p.zeroPoint()));
        }
        assertArrayEquals(QParams.shape(new long[] {2, 1, 3, 3}, QuantType.WEIGHT, qs), p.scale().shape());
    }

    @Test
    void activationsArePerChannelOnDimensionOne() {
        // NNI's input golden: arange(0, 16).view(1, 1, 4, 4) → 15/255 (per_channel_affine uint), shape [1, 1, 1, 1]
        Tensor x = torch.arange(new Scalar(0), new Scalar(16)).to(torch.ScalarType.Float).view(1, 1, 4, 4);
        QParams p = QParams.fromTensor(x, QuantType.INPUT, 8, QuantDtype.UINT, QuantScheme.PER_CHANNEL_AFFINE);
        assertArrayEquals(new long[] {1, 1, 1, 1}, p.scale().shape());
        assertArrayEquals(new float[] {15f / 255}, values(p.scale()));
        Tensor y = Tensor.create(new float[] {-1, 2, 3, 4, 0, 8}, 2, 3);   // [N=2, C=3]
        QParams q = QParams.fromTensor(y, QuantType.OUTPUT, 8, QuantDtype.INT, QuantScheme.PER_CHANNEL_SYMMETRIC);
        assertArrayEquals(new long[] {1, 3}, q.scale().shape());
        assertArrayEquals(new float[] {4f / 127, 2f / 127, 8f / 127}, values(q.scale()));
    }

    @Test
    void rangeNotIncludingZeroIsWidenedToZero() {
        // NNI test_torch_QAT_quantizer: W = [[1, 2], [3, 5]] → scale 5/255, zero point 0
        QParams p = QParams.fromTensor(Tensor.create(new float[] {1, 2, 3, 5}, 2, 2), QuantType.WEIGHT, 8,
                QuantDtype.UINT, QuantScheme.PER_TENSOR_AFFINE);
        assertEquals(5f / 255, values(p.scale())[0], 1e-7f);
        assertEquals(0f, values(p.zeroPoint())[0]);
        // [[-1, 2], [3, 5]] → scale 6/255, zero point −round(−1 / (6/255)) = round(42.5) → 42 (half to even)
        QParams q = QParams.fromTensor(Tensor.create(new float[] {-1, 2, 3, 5}, 2, 2), QuantType.WEIGHT, 8,
                QuantDtype.UINT, QuantScheme.PER_TENSOR_AFFINE);
        assertEquals(6f / 255, values(q.scale())[0], 1e-7f);
        float zp = values(q.zeroPoint())[0];
        assertTrue(zp == 42f || zp == 43f, "zero point " + zp);
    }

    @Test
    void fakeQuantizeMatchesNniWeightGolden() {
        Tensor w = Tensor.create(new float[] {1.1287f, 2.3456f, 3.7814f, 5.9723f}, 2, 2);
        QParams p = QParams.fromTensor(w, QuantType.WEIGHT, 8, QuantDtype.UINT, QuantScheme.PER_TENSOR_AFFINE);
        float[] expected = {1.1242f, 2.3421f, 3.7707f, 5.9723f};
        float[] got = values(p.fakeQuantize(w));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-4f * expected[i], "element " + i);
        }
        // grid values: round(x / (5.9723 / 255)) = [48, 100, 161, 255]
        assertArrayEquals(new float[] {48, 100, 161, 255}, values(p.quantize(w)));
    }

    @Test
    void quantizeAddsZeroPointBeforeRoundingHalfToEven() {
        // scale 1, zero point 1: 0.5 + 1 = 1.5 → 2 (NNI's order); round(0.5) + 1 would give 1
        QParams p = new QParams(torch.ones(), torch.ones(), 0, 255);
        assertArrayEquals(new float[] {2, 2, 4, 0, 255}, values(p.quantize(Tensor.create(new float[] {0.5f, 1.4f, 2.5f, -7f, 900f}, 5))));
        assertArrayEquals(new float[] {1, 1, 3, -1, 254}, values(p.dequantize(p.quantize(
                Tensor.create(new float[] {0.5f, 1.4f, 2.5f, -7f, 900f}, 5)))));
    }

    @Test
    void allZeroTensorGetsScaleOneInsteadOfNan() {
        Tensor zeros = torch.zeros(2, 2);
        QParams affine = QParams.fromTensor(zeros, QuantType.WEIGHT, 8, QuantDtype.INT, QuantScheme.PER_TENSOR_AFFINE);
        assertArrayEquals(new float[] {1f}, values(affine.scale()));
        assertArrayEquals(new float[] {-127f}, values(affine.zeroPoint()));
        assertArrayEquals(new float[] {0, 0, 0, 0}, values(affine.fakeQuantize(zeros)));
        // per channel: only the all-zero channel is guarded
        Tensor w = Tensor.create(new float[] {0, 0, -2, 4}, 2, 2);
        QParams sym = QParams.fromTensor(w, QuantType.WEIGHT, 8, QuantDtype.UINT, QuantScheme.PER_CHANNEL_SYMMETRIC);
        assertArrayEquals(new float[] {1f, (float) (4 / 127.5)}, values(sym.scale()));
        assertArrayEquals(new float[] {127f, 127f}, values(sym.zeroPoint()));
    }

    @Test
    void clippedStraightThroughPassesGradientOnlyInsideTheGrid() {
        // scale 0.1, int8 → grid covers [−12.7, 12.7]
        QParams p = QParams.of(torch.full(new long[] {}, new Scalar(0.1)), torch.zeros(), 8, QuantDtype.INT);
        Tensor x = Tensor.create(new float[] {-20f, -12.7f, 0.33f, 12.74f, 12.76f, 30f}, 6).requires_grad_(true);
        Tensor y = p.fakeQuantizeClipped(x);
        assertArrayEquals(new float[] {-12.7f, -12.7f, 0.3f, 12.7f, 12.7f, 12.7f}, values(y), 1e-6f);
        y.sum().backward();
        // round(x / 0.1) ∈ [−127, 127]: 12.74 → 127 passes, 12.76 → 128 does not
        assertArrayEquals(new float[] {0, 1, 1, 1, 0, 0}, values(x.grad()));
        Tensor x2 = Tensor.create(new float[] {-20f, 0.33f, 30f}, 3).requires_grad_(true);
        p.fakeQuantizeStraight(x2).sum().backward();
        assertArrayEquals(new float[] {1, 1, 1}, values(x2.grad()));
    }

    @Test
    void copyToWritesIntoOwnedBuffers() {
        Tensor scale = torch.zeros(2, 1, 1, 1);
        Tensor zp = torch.zeros(2, 1, 1, 1);
        QParams.fromTensor(convWeight(), QuantType.WEIGHT, 8, QuantDtype.INT, QuantScheme.PER_CHANNEL_SYMMETRIC)
                .copyTo(scale, zp);
        assertArrayEquals(new float[] {9f / 127, 18f / 127}, values(scale));
        assertArrayEquals(new float[] {0, 0}, values(zp));
    }

    @Test
    void rejectsBadArguments() {
        assertEquals("quant_bits 0 is outside [1, 31]", assertThrows(IllegalArgumentException.class,
                () -> QParams.fromTensor(torch.ones(2), QuantType.WEIGHT, 0, QuantDtype.INT,
                        QuantScheme.PER_TENSOR_AFFINE)).getMessage());
        assertEquals("per_channel_affine input quantization needs dimension 1, but the tensor has shape [4]",
                assertThrows(IllegalArgumentException.class, () -> QParams.shape(new long[] {4}, QuantType.INPUT,
                        QuantScheme.PER_CHANNEL_AFFINE)).getMessage());
        assertEquals("qmin 3 must be below qmax 3", assertThrows(IllegalArgumentException.class,
                () -> new QParams(torch.ones(), torch.zeros(), 3, 3)).getMessage());
        assertArrayEquals(new long[0], QParams.shape(new long[] {4}, QuantType.INPUT, QuantScheme.PER_TENSOR_SYMMETRIC));
    }
}
