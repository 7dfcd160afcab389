package dev.shrink4j.nn.layers;

import static dev.shrink4j.nn.TensorValues.set;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.nn.HookHandle;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class BatchNorm2dTest {

    private static final double EPS = 1e-5;
    // [1, 2, 2, 2]: channel 0 holds 1,2,3,4 (mean 2.5, biased var 1.25, unbiased 5/3);
    // channel 1 holds 0,0,4,4 (mean 2, biased var 4, unbiased 16/3).
    private static final float[] X = {1, 2, 3, 4, 0, 0, 4, 4};

    private static Tensor input() {
        return Tensor.create(X, 1, 2, 2, 2);
    }

    /**
     * Runs {@code bn} on {@link #X} and checks the output against {@code (x − mean) / √(var + eps) · γ + β} per
     * channel, to within {@code tolerance}.
     */
    private static void assertForward(BatchNorm2d bn, double[] mean, double[] var, double[] gamma, double[] beta,
            float tolerance) {
        assertArrayEquals(expected(mean, var, gamma, beta), values(bn.call(input())), tolerance);
    }

    private static float[] expected(double[] mean, double[] var, double[] gamma, double[] beta) {
        float[] out = new float[X.length];
        for (int i = 0; i < X.length; i++) {
            int c = i / 4;
            out[i] = (float) ((X[i] - mean[c]) / Math.sqrt(var[c] + EPS) * gamma[c] + beta[c]);
        }
        return out;
    }

    @Test
    void stateDictHasPyTorchNamesAndInitialValues() {
        try (BatchNorm2d bn = new BatchNorm2d(3)) {
            assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                    List.copyOf(bn.stateDict().keySet()));
            assertEquals(6, bn.parameterCount());
            assertArrayEquals(new float[] {1, 1, 1}, values(bn.weight()));
            assertArrayEquals(new float[] {0, 0, 0}, values(bn.bias()));
            assertArrayEquals(new float[] {0, 0, 0}, values(bn.runningMean()));
            assertArrayEquals(new float[] {1, 1, 1}, values(bn.runningVar()));
            assertEquals(0, bn.numBatchesTracked().dim());
            assertSame(torch.ScalarType.Long, bn.numBatchesTracked().scalar_type().intern());
            assertEquals(0L, bn.numBatchesTracked().item_long());
        }
    }

    @Test
    void trainingNormalisesWithBatchStatsAndUpdatesRunningStatsWithUnbiasedVariance() {
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
            set(bn.weight(), 2, 1);
            set(bn.bias(), 0, 1);
            assertForward(bn, new double[] {2.5, 2}, new double[] {1.25, 4}, new double[] {2, 1}, new double[] {0, 1}, 1e-6f);
            // running = 0.9 * running + 0.1 * batch; running_var starts at 1 and takes the unbiased variance.
            assertArrayEquals(new float[] {0.25f, 0.2f}, values(bn.runningMean()), 1e-7f);
            assertArrayEquals(new float[] {(float) (0.9 + 0.1 * 5 / 3.0), (float) (0.9 + 0.1 * 16 / 3.0)},
                    values(bn.runningVar()), 1e-6f);
            assertEquals(1L, bn.numBatchesTracked().item_long());

            bn.call(input());
            assertArrayEquals(new float[] {0.9f * 0.25f + 0.25f, 0.9f * 0.2f + 0.2f}, values(bn.runningMean()), 1e-6f);
            assertEquals(2L, bn.numBatchesTracked().item_long());
        }
    }

    @Test
    void evalUsesRunningStatsAndLeavesThemAlone() {
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
            set(bn.runningMean(), 1, 2);
            set(bn.runningVar(), 4, 0.25f);
            set(bn.weight(), 3, 1);
            bn.eval();
            assertForward(bn, new double[] {1, 2}, new double[] {4, 0.25}, new double[] {3, 1}, new double[] {0, 0}, 1e-5f);
            assertArrayEquals(new float[] {1, 2}, values(bn.runningMean()));
            assertArrayEquals(new float[] {4, 0.25f}, values(bn.runningVar()));
            assertEquals(0L, bn.numBatchesTracked().item_long());
        }
    }

    @Test
    void forwardReadsGammaThroughItsParametrization() {
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
            set(bn.bias(), 0.5f, 0);
            Tensor keepChannel1 = Tensor.create(new float[] {0, 1}, 2);
            try (HookHandle h = bn.registerParametrization("weight", g -> g.mul(keepChannel1))) {
                float[] y = values(bn.call(input()));
                // Channel 0's γ is masked to 0, so it outputs β = 0.5 everywhere.
                assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, java.util.Arrays.copyOfRange(y, 0, 4));
            }
            assertArrayEquals(new float[] {1, 1}, values(bn.weight()));
        }
    }

    @Test
    void withoutAffineHasOnlyBuffers() {
        try (BatchNorm2d bn = BatchNorm2d.builder().setNumFeatures(2).optAffine(false).optMomentum(0.5).build()) {
            assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), List.copyOf(bn.stateDict().keySet()));
            assertForward(bn, new double[] {2.5, 2}, new double[] {1.25, 4}, new double[] {1, 1}, new double[] {0, 0}, 1e-6f);
            assertArrayEquals(new float[] {1.25f, 1f}, values(bn.runningMean()), 1e-7f);
        }
    }

    @Test
    void rejectsBadInputs() {
        try (BatchNorm2d bn = new BatchNorm2d(2)) {
            assertEquals("BatchNorm2d expects a 4-D input [N, C, H, W], got 2-D",
                    assertThrows(IllegalArgumentException.class, () -> bn.call(torch.ones(2, 2))).getMessage());
            assertEquals("BatchNorm2d(2) got an input with 3 channels (shape [1, 3, 2, 2])",
                    assertThrows(IllegalArgumentException.class, () -> bn.call(torch.ones(1, 3, 2, 2))).getMessage());
            assertEquals("Expected more than 1 value per channel when training, got input size [1, 2, 1, 1]",
                    assertThrows(IllegalArgumentException.class, () -> bn.call(torch.ones(1, 2, 1, 1))).getMessage());
            assertEquals("BatchNorm2d: momentum must be in [0, 1], got 1.5", assertThrows(IllegalArgumentException.class,
                    () -> BatchNorm2d.builder().setNumFeatures(2).optMomentum(1.5).build()).getMessage());
        }
    }
}
