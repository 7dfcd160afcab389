package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class TensorChecksTest {

    @Test
    void dtypeNamesArePyTorchs() {
        assertEquals("float32", TensorChecks.dtypeName(torch.ScalarType.Float));
        assertEquals("float64", TensorChecks.dtypeName(torch.ScalarType.Double));
        assertEquals("float16", TensorChecks.dtypeName(torch.ScalarType.Half));
        assertEquals("bfloat16", TensorChecks.dtypeName(torch.ScalarType.BFloat16));
        assertEquals("int64", TensorChecks.dtypeName(torch.ScalarType.Long));
        assertEquals("int32", TensorChecks.dtypeName(torch.ScalarType.Int));
        assertEquals("int16", TensorChecks.dtypeName(torch.ScalarType.Short));
        assertEquals("int8", TensorChecks.dtypeName(torch.ScalarType.Char));
        assertEquals("uint8", TensorChecks.dtypeName(torch.ScalarType.Byte));
        assertEquals("bool", TensorChecks.dtypeName(torch.ScalarType.Bool));
        // a dtype read back from native code, which only compares equal once interned
        assertEquals("float64", TensorChecks.dtypeName(torch.zeros(1).to(torch.ScalarType.Double)));
    }

    @Test
    void dtypeMismatchNamesBothSides() {
        Tensor f = torch.zeros(2);
        assertNull(TensorChecks.dtypeMismatch(f, "mask", torch.ones(2), "w"));
        assertEquals("mask has bool, w has float32",
                TensorChecks.dtypeMismatch(f.gt(new org.bytedeco.pytorch.Scalar(0)), "mask", torch.ones(2), "w"));
    }

    @Test
    void nonFiniteCountsNaNAndInfinitiesAndNamesTheFirst() {
        assertNull(TensorChecks.nonFinite(Tensor.create(new float[] {1f, -3e38f, 0f}, 3)));
        assertNull(TensorChecks.nonFinite(torch.zeros(2).to(torch.ScalarType.Long)));
        assertEquals("3 NaN and 2 infinite of 6 values (the first, element 1, is -inf)", TensorChecks.nonFinite(
                Tensor.create(new float[] {1f, Float.NEGATIVE_INFINITY, Float.NaN, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN}, 2, 3)));
        assertEquals("1 NaN of 1 values (the first, element 0, is NaN)",
                TensorChecks.nonFinite(Tensor.create(new double[] {Double.NaN}, 1).reshape()));
    }

    @Test
    void nonBinaryFindsTheFirstValueOtherThanZeroAndOne() {
        assertNull(TensorChecks.nonBinary(Tensor.create(new float[] {0f, 1f, 1f, 0f}, 2, 2)));
        assertNull(TensorChecks.nonBinary(torch.ones(3).gt(new org.bytedeco.pytorch.Scalar(0))));
        assertEquals("element 2 is 0.5 (2 of 4 values are neither 0 nor 1)",
                TensorChecks.nonBinary(Tensor.create(new float[] {0f, 1f, 0.5f, -1f}, 2, 2)));
        assertEquals("element 0 is NaN (1 of 2 values are neither 0 nor 1)",
                TensorChecks.nonBinary(Tensor.create(new float[] {Float.NaN, 1f}, 2)));
        assertEquals("element 1 is 2 (1 of 3 values are neither 0 nor 1)",
                TensorChecks.nonBinary(Tensor.create(new long[] {1, 2, 0}, 3)));
        assertEquals("element 0 is 3.0 (1 of 1 values are neither 0 nor 1)",
                TensorChecks.nonBinary(Tensor.create(new double[] {3}, 1)));
    }
}
