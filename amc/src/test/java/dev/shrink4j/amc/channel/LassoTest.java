package dev.shrink4j.amc.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * A LASSO problem whose solution at α is the soft threshold of {@code q}: {@code Z = √c·I}, {@code y = √c·q}, so
     * {@code ZᵀZ/n = I} and {@code Zᵀy/n = q}; a coefficient survives exactly when {@code |q_j| > α}.
     */
    private static Lasso thresholdProblem(double... q) {
        int c = q.length;
        Tensor z = torch.eye(c, F64).mul(new Scalar(Math.sqrt(c)));
        Tensor y = Tensor.create(q).mul(new Scalar(Math.sqrt(c)));
        return new Lasso(z, y);
    }

    /**
     * The reference's warm start (He et al.'s {@code dictionary} keeps α across layers): layer B's search from layer A's
     * final α solves fewer problems than from {@code lars_alpha_init} and keeps the same channels. Traced by hand:
     * A (keep 4 of 10, window exactly 4: α in [0.205, 0.25)) from 1e-3 solves at 1e-3, doubles 8 times to 0.256
     * (3 survivors), bisects to 0.192 (5) and 0.224 (4): 11 solves, α 0.224. B (keep 3 of 8, window α in
     * [0.255, 0.29)) from 0.224: 0.224 (5 survivors), 0.448 (1), bisects 0.336 (2), 0.28 (3): 4 solves, α 0.28;
     * from 1e-3: 1e-3, then doublings to 0.256 (3 survivors) and 0.512 (0): 10 solves, α 0.256.
     */
    @Test
    void warmStartFromThePreviousLayersAlphaSolvesLessAndKeepsTheSameChannels() {
        try (PointerScope scope = new PointerScope();
                Lasso a = thresholdProblem(0.40, -0.35, 0.30, 0.25, -0.205, 0.15, 0.12, 0.09, 0.06, 0.03);
                Lasso b = thresholdProblem(0.02, 0.5, -0.1, 0.45, 0.255, -0.29, 0.05, 0.23)) {
            LassoSelection.Result first = LassoSelection.select(a, 4, LassoSelection.DEFAULT_ALPHA_INIT);
            assertEquals(11, first.solves());
            assertEquals(0.224, first.alpha(), 1e-15);
            assertArrayEquals(new int[] {0, 1, 2, 3}, first.kept());

            LassoSelection.Result warm = LassoSelection.select(b, 3, first.alpha());
            LassoSelection.Result cold = LassoSelection.select(b, 3, LassoSelection.DEFAULT_ALPHA_INIT);
            assertEquals(4, warm.solves());
            assertEquals(0.28, warm.alpha(), 1e-15);
            assertEquals(10, cold.solves());
            assertEquals(0.256, cold.alpha(), 1e-15);
            assertArrayEquals(new int[] {1, 3, 5}, warm.kept());   // |q| 0.5, 0.45, 0.29
            assertArrayEquals(cold.kept(), warm.kept());
            assertEquals(3, warm.survivors());
            assertEquals(3, cold.survivors());
        }
    }
}
