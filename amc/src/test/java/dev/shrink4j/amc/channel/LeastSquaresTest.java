package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {

    /** Normal equations (AᵀA)θ = AᵀB with A = [X, 1], solved by Gaussian elimination with partial pivoting in Java doubles. */
    private static double[][] normalEquations(double[][] x, double[][] y) {
        int m = x.length;
        int d = x[0].length + 1;
        int out = y[0].length;
        double[][] a = new double[d][d + out];
        for (int r = 0; r < m; r++) {
            double[] row = new double[d];
            System.arraycopy(x[r], 0, row, 0, d - 1);
            row[d - 1] = 1;
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    a[i][j] += row[i] * row[j];
                }
                for (int k = 0; k < out; k++) {
                    a[i][d + k] += row[i] * y[r][k];
                }
            }
        }
        for (int col = 0; col < d; col++) {
            int pivot = col;
            for (int r = col + 1; r < d; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = a[col];
            a[col] = a[pivot];
            a[pivot] = tmp;
            for (int r = 0; r < d; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int j = col; j < d + out; j++) {
                        a[r][j] -= f * a[col][j];
                    }
                }
            }
        }
        double[][] theta = new double[d][out];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < out; k++) {
                theta[i][k] = a[i][d + k] / a[i][i];
            }
        }
        return theta;
    }

    @Test
    void equalsTheNormalEquationSolution() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(5);
            int m = 40;
            int d = 5;
            int out = 3;
            Tensor x = torch.randn(new long[] {m, d}, new TensorOptions(torch.ScalarType.Double));
            Tensor y = torch.randn(new long[] {m, out}, new TensorOptions(torch.ScalarType.Double));
            double[] xv = new double[m * d];
            double[] yv = new double[m * out];
            x.data_ptr_double().get(xv);
            y.data_ptr_double().get(yv);
            double[][] xa = new double[m][d];
            double[][] ya = new double[m][out];
            for (int r = 0; r < m; r++) {
                System.arraycopy(xv, r * d, xa[r], 0, d);
                System.arraycopy(yv, r * out, ya[r], 0, out);
            }
            double[][] theta = normalEquations(xa, ya);
            LeastSquares.Fit fit = LeastSquares.solve(x.to(torch.ScalarType.Float), y.to(torch.ScalarType.Float));
            double[] w = new double[out * d];
            double[] b = new double[out];
            fit.weight().contiguous().data_ptr_double().get(w);
            fit.intercept().contiguous().data_ptr_double().get(b);
            for (int k = 0; k < out; k++) {
                for (int i = 0; i < d; i++) {
                    assertEquals(theta[i][k], w[k * d + i], 1e-5, "weight [" + k + ", " + i + "]");   // float32 inputs
                }
                assertEquals(theta[d][k], b[k], 1e-5, "intercept " + k);
            }
        }
    }

    @Test
    void refusesTooFewSamples() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(4, 5);
            Tensor y = torch.randn(4, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LeastSquares.solve(x, y));
            assertEquals("least squares: 4 samples for 6 unknowns per output (5 weights + intercept)", e.getMessage());
        }
    }
}
