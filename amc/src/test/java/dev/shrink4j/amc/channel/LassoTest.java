package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LassoTest {

    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    private static double[] values(Tensor t) {
        double[] v = new double[(int) t.numel()];
        t.contiguous().to(torch.ScalarType.Double).data_ptr_double().get(v);
        return v;
    }

    /** With ZᵀZ/n = I the LASSO solution is the soft threshold of Zᵀy/n, coordinate by coordinate. */
    @Test
    void orthonormalDesignGivesSoftThresholding() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(7);
            int n = 64;
            int c = 6;
            Tensor q = torch.linalg_qr(torch.randn(new long[] {n, c}, F64)).get0();
            Tensor z = q.mul(new Scalar(Math.sqrt(n)));
            Tensor y = torch.randn(new long[] {n}, F64);
            double[] corr = values(z.t().matmul(y).div(new Scalar(n)));
            double alpha = 0.15;
            try (Lasso lasso = new Lasso(z, y)) {
                double[] beta = values(lasso.solve(alpha));
                int zeros = 0;
                for (int j = 0; j < c; j++) {
                    double expected = Math.signum(corr[j]) * Math.max(Math.abs(corr[j]) - alpha, 0);
                    assertEquals(expected, beta[j], 1e-12, "coefficient " + j);
                    zeros += expected == 0 ? 1 : 0;
                }
                assertTrue(zeros > 0 && zeros < c, "the case exercises both branches: " + Arrays.toString(corr));
            }
        }
    }

    /** On a correlated design the solution satisfies the LASSO's optimality (KKT) conditions. */
    @Test
    void correlatedDesignMeetsOptimalityConditions() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(11);
            int n = 200;
            int c = 12;
            Tensor base = torch.randn(new long[] {n, c}, F64);
            Tensor z = base.add(base.narrow(1, 0, 1).mul(new Scalar(0.8)));   // every column shares column 0
            Tensor y = z.matmul(torch.linspace(new Scalar(-1), new Scalar(1), c, F64)).add(torch.randn(new long[] {n}, F64));
            double alpha = 0.05;
            try (Lasso lasso = new Lasso(z, y)) {
                Tensor beta = lasso.solve(alpha);
                double[] b = values(beta);
                double[] gradient = values(z.t().matmul(y.sub(z.matmul(beta))).div(new Scalar(n)));   // Zᵀ(y − Zβ)/n
                for (int j = 0; j < c; j++) {
                    if (b[j] != 0) {
                        assertEquals(alpha * Math.signum(b[j]), gradient[j], 1e-6, "active coefficient " + j);
                    } else {
                        assertTrue(Math.abs(gradient[j]) <= alpha + 1e-6, "inactive coefficient " + j + ": " + gradient[j]);
                    }
                }
                assertEquals(0, Arrays.stream(values(lasso.solve(lasso.alphaMax() * 1.0001))).filter(v -> v != 0).count(),
                        "above alpha_max every coefficient is zero");
            }
        }
    }

    /** The α search lands between c' and 1.1·c' survivors and keeps the c' largest |β| of that solution. */
    @Test
    void alphaSearchLandsInTheWindow() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            int n = 300;
            int c = 40;
            Tensor z = torch.randn(new long[] {n, c}, F64);
            Tensor y = z.matmul(torch.randn(new long[] {c}, F64)).add(torch.randn(new long[] {n}, F64).mul(new Scalar(0.1)));
            for (int keep : new int[] {5, 10, 20, 33}) {
                try (Lasso lasso = new Lasso(z, y)) {
                    LassoSelection.Result r = LassoSelection.select(lasso, keep, 1e-3);
                    assertTrue(r.survivors() >= keep && r.survivors() <= 1.1 * keep,
                            "keep " + keep + ": " + r.survivors() + " survivors at alpha " + r.alpha());
                    assertEquals(keep, r.kept().length);
                    double weakestKept = Arrays.stream(r.kept()).mapToDouble(i -> Math.abs(r.beta()[i])).min().orElseThrow();
                    for (int i = 0; i < c; i++) {
                        final int col = i;
                        if (Arrays.stream(r.kept()).noneMatch(k -> k == col)) {
                            assertTrue(Math.abs(r.beta()[i]) <= weakestKept, "column " + i + " beats a kept one");
                        }
                    }
                    double[] atAlpha = values(lasso.solve(r.alpha()));
                    assertEquals(r.survivors(), Arrays.stream(atAlpha).filter(v -> v != 0).count());
                }
            }
        }
    }
}
