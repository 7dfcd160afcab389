package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The truncated-SVD factorizations against the golden facts and against their own definitions. */
class LowRankFactorizationTest {

    /** The golden value, from numpy: ‖W − W₂‖_F of the arange weight at rank 2. */
    static final double GOLDEN_RANK2_ERROR = 2.844234950770693;

    @Test
    void goldenWeightAtRank2LosesExactlyTheDroppedSpectrum() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.goldenWeight();
            Factors f = LowRankFactorization.svd(w, 2);
            assertEquals(GOLDEN_RANK2_ERROR, f.weightError(), 1e-12);
            double[] s = f.singularValues();
            assertEquals(4, s.length);
            assertEquals(Math.sqrt(s[2] * s[2] + s[3] * s[3]), f.weightError(), 1e-13);
            // and the product of the factors is that far from W, measured directly
            Tensor product = LowRankFactorization.product(f, w.shape(), false);
            assertEquals(GOLDEN_RANK2_ERROR, Tensors.frobenius(w.sub(product)), 1e-12);
            assertArrayEquals(new long[] {2, 3, 3, 3}, f.first().shape());
            assertArrayEquals(new long[] {4, 2, 1, 1}, f.second().shape());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void kxkThen1x1ReproducesTheTruncatedConvolution(long stride) {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.goldenWeight();
            Tensor b = Doubles.tensor(new double[] {0.3, -0.2, 0.1, 0.05}, 4);
            Factors f = LowRankFactorization.svd(w, b, 2);
            Tensor x = Doubles.uniform(7, 2, 3, 9, 9);
            long[] s = {stride, stride};
            long[] p = {1, 1};
            Tensor truncated = Doubles.conv(x, LowRankFactorization.product(f, w.shape(), false), b, s, p);
            Tensor pair = Doubles.conv(Doubles.conv(x, f.first(), null, s, p), f.second(), f.secondBias(),
                    new long[] {1, 1}, new long[] {0, 0});
            assertArrayEquals(truncated.shape(), pair.shape());
            assertTrue(Doubles.maxAbsDiff(truncated, pair) < 1e-12, "max |diff| " + Doubles.maxAbsDiff(truncated, pair));
            // and it is a real approximation: the full conv differs
            assertTrue(Doubles.maxAbsDiff(Doubles.conv(x, w, b, s, p), pair) > 0.1);
        }
    }

    @Test
    void errorIsTheDroppedSpectrumAndFallsWithRank() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(3, 8, 4, 3, 3);
            double previous = Double.POSITIVE_INFINITY;
            for (long r = 1; r <= 8; r++) {
                Factors f = LowRankFactorization.svd(w, r);
                double[] s = f.singularValues();
                double dropped = 0;
                for (int i = (int) r; i < s.length; i++) {
                    dropped += s[i] * s[i];
                }
                assertEquals(Math.sqrt(dropped), f.weightError(), 1e-12, "rank " + r);
                assertEquals(f.weightError(), Tensors.frobenius(w.sub(LowRankFactorization.product(f, w.shape(), false))),
                        1e-12, "rank " + r);
                assertTrue(f.weightError() < previous, "rank " + r + " error " + f.weightError() + " >= " + previous);
                previous = f.weightError();
            }
            assertEquals(0, previous, 1e-12, "full rank reproduces W");
        }
    }

    @Test
    void linearPairReproducesTheTruncatedMatrix() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(11, 6, 10);
            Tensor b = Doubles.uniform(12, 6);
            Factors f = LowRankFactorization.svd(w, b, 3);
            assertArrayEquals(new long[] {3, 10}, f.first().shape());
            assertArrayEquals(new long[] {6, 3}, f.second().shape());
            Tensor x = Doubles.uniform(13, 5, 10);
            Tensor pair = x.mm(f.first().t()).mm(f.second().t()).add(f.secondBias());
            Tensor truncated = x.mm(LowRankFactorization.product(f, w.shape(), false).t()).add(b);
            assertTrue(Doubles.maxAbsDiff(truncated, pair) < 1e-12);
            double[] s = f.singularValues();
            assertEquals(Math.sqrt(s[3] * s[3] + s[4] * s[4] + s[5] * s[5]), f.weightError(), 1e-12);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void verticalThenHorizontalReproducesItsTruncation(long stride) {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(21, 5, 3, 3, 3);
            Tensor b = Doubles.uniform(22, 5);
            Tensor x = Doubles.uniform(23, 2, 3, 10, 10);
            long[] p = {1, 1};
            for (long r = 1; r <= 9; r++) {
                Factors f = LowRankFactorization.verticalHorizontal(w, b, r);
                assertArrayEquals(new long[] {r, 3, 3, 1}, f.first().shape());
                assertArrayEquals(new long[] {5, r, 1, 3}, f.second().shape());
                Tensor product = LowRankFactorization.product(f, w.shape(), true);
                assertEquals(f.weightError(), Tensors.frobenius(w.sub(product)), 1e-12);
                Tensor truncated = Doubles.conv(x, product, b, new long[] {stride, stride}, p);
                Tensor vertical = Doubles.conv(x, f.first(), null, new long[] {stride, 1}, new long[] {1, 0});
                Tensor pair = Doubles.conv(vertical, f.second(), b, new long[] {1, stride}, new long[] {0, 1});
                assertTrue(Doubles.maxAbsDiff(truncated, pair) < 1e-12, "rank " + r);
            }
            // rank min(Cin·kh, Cout·kw) = 9 is exact
            Factors full = LowRankFactorization.verticalHorizontal(w, b, 9);
            assertEquals(0, full.weightError(), 1e-12);
            assertTrue(Doubles.maxAbsDiff(w, LowRankFactorization.product(full, w.shape(), true)) < 1e-12);
        }
    }

    @Test
    void singularValuesMatchAnIndependentEigendecomposition() {
        // σ² are the eigenvalues of W Wᵀ (computed by libtorch's eigh, not its SVD)
        try (PointerScope scope = new PointerScope()) {
            Tensor m = Doubles.goldenWeight().reshape(4, 27);
            double[] eig = Tensors.toDoubles(torch.linalg_eigh(m.mm(m.t())).get0()); // ascending
            double[] s = LowRankFactorization.svd(Doubles.goldenWeight(), 1).singularValues();
            for (int i = 0; i < 4; i++) {
                assertEquals(eig[3 - i], s[i] * s[i], 1e-10);
            }
        }
    }
}
