package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.arange;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Golden values for the parameter-free layers: pooling, ReLU6, Dropout, Identity. */
class PoolingAndActivationTest {

    // 4x4 arange: [[0,1,2,3],[4,5,6,7],[8,9,10,11],[12,13,14,15]]
    private static Tensor grid() {
        return arange(1, 1, 4, 4);
    }

    @Test
    void avgPoolAveragesEachWindow() {
        try (AvgPool2d pool = new AvgPool2d(2)) {
            assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, values(pool.call(grid())));
        }
        try (AvgPool2d pool = new AvgPool2d(3, 1, 1)) {
            // Padded zeros count: the top-left window holds 0+1+4+5 over 9 cells.
            float[] y = values(pool.call(grid()));
            assertEquals(16, y.length);
            assertEquals(10f / 9f, y[0], 1e-6f);
            assertEquals((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9f, y[5], 1e-6f);
        }
    }

    @Test
    void maxPoolTakesEachWindowsMaximum() {
        try (MaxPool2d pool = new MaxPool2d(2)) {
            assertArrayEquals(new float[] {5, 7, 13, 15}, values(pool.call(grid())));
        }
    }

    @Test
    void adaptiveAvgPoolReachesTheRequestedSize() {
        try (AdaptiveAvgPool2d global = new AdaptiveAvgPool2d(1); AdaptiveAvgPool2d two = new AdaptiveAvgPool2d(2, 1)) {
            assertArrayEquals(new float[] {7.5f}, values(global.call(grid())));
            // Two rows of windows covering rows 0-1 and 2-3, all columns.
            assertArrayEquals(new float[] {3.5f, 11.5f}, values(two.call(grid())));
            assertArrayEquals(new long[] {1, 1, 2, 1}, two.call(grid()).shape());
        }
    }

    @Test
    void relu6ClampsToZeroAndSix() {
        try (ReLU6 relu6 = new ReLU6()) {
            Tensor x = Tensor.create(new float[] {-3, 0, 2.5f, 6, 7}, 5);
            assertArrayEquals(new float[] {0, 0, 2.5f, 6, 6}, values(relu6.call(x)));
        }
    }

    @Test
    void dropoutIsIdentityInEvalAndScalesSurvivorsInTraining() {
        try (Dropout dropout = new Dropout(0.5)) {
            Tensor x = torch.ones(1000);
            dropout.eval();
            assertSame(x, dropout.call(x));
            dropout.train();
            torch.manual_seed(7);
            float[] y = values(dropout.call(x));
            int kept = 0;
            for (float v : y) {
                if (v != 0f) {
                    assertEquals(2f, v, "survivors are scaled by 1/(1-p)");
                    kept++;
                }
            }
            // Binomial(1000, 0.5): 6 standard deviations either side.
            assertEquals(500, kept, 95);
        }
        assertEquals("dropout probability has to be between 0 and 1, but got 1.5",
                assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5)).getMessage());
    }

    @Test
    void identityReturnsItsInput() {
        try (Identity id = new Identity()) {
            Tensor x = grid();
            assertSame(x, id.call(x));
        }
    }
}
