package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BatchNorm1dTest {

    @Test
    void normalisesFeaturesOverTheBatch() {
        try (BatchNorm1d bn = new BatchNorm1d(2)) {
            // feature 0: 1, 3 (mean 2, biased var 1, unbiased 2); feature 1: 5, 7 (mean 6, same variances).
            Tensor y = bn.call(Tensor.create(new float[] {1, 5, 3, 7}, 2, 2));
            float s = (float) (1 / Math.sqrt(1 + 1e-5));
            assertArrayEquals(new float[] {-s, -s, s, s}, values(y), 1e-6f);
            assertArrayEquals(new float[] {0.2f, 0.6f}, values(bn.runningMean()), 1e-7f);
            assertArrayEquals(new float[] {0.9f + 0.2f, 0.9f + 0.2f}, values(bn.runningVar()), 1e-6f);
        }
    }

    @Test
    void acceptsThreeDimensionalInputsAndRejectsFourDimensionalOnes() {
        try (BatchNorm1d bn = new BatchNorm1d(1)) {
            bn.eval();
            assertArrayEquals(new long[] {2, 1, 3}, bn.call(torch.ones(2, 1, 3)).shape());
            assertEquals("BatchNorm1d expects a 2-D [N, C] or 3-D [N, C, L] input, got 4-D",
                    assertThrows(IllegalArgumentException.class, () -> bn.call(torch.ones(1, 1, 2, 2))).getMessage());
        }
    }
}
