package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Response PCA and GSVD: a hand-checked case and the properties that make them worth their data. */
class ResponseFactorizationTest {

    @Test
    void pcaKeepsTheDirectionOfLargestResponseVarianceAndItsMean() {
        try (PointerScope scope = new PointerScope()) {
            // W = I, b = 0: responses are the inputs. Centred at (0, 5) they vary by ±1 along x and ±0.1 along y,
            // so the covariance is diag(0.5, 0.005) and rank 1 keeps x.
            Tensor w = Doubles.tensor(new double[] {1, 0, 0, 1}, 2, 2);
            Tensor x = Doubles.tensor(new double[] {1, 5, -1, 5, 0, 5.1, 0, 4.9}, 4, 2);
            Factors f = ResponseFactorization.pca(w, null, x, 1);
            Tensor product = LowRankFactorization.product(f, w.shape(), false);
            assertTrue(Doubles.maxAbsDiff(product, Doubles.tensor(new double[] {1, 0, 0, 0}, 2, 2)) < 1e-12);
            // bias ȳ + P·Pᵀ(b − ȳ) = (0, 5) + diag(1, 0)·(0, −5) = (0, 5): the dropped direction keeps its mean
            assertArrayEquals(new double[] {0, 5}, Tensors.toDoubles(f.secondBias()), 1e-12);
            assertArrayEquals(new double[] {Math.sqrt(0.5), Math.sqrt(0.005)}, f.singularValues(), 1e-12);
            assertEquals(1.0, f.weightError(), 1e-12);
            // residual (0, ±0.1) on two rows; ‖Y‖² = 1 + 25 + 1 + 25 + 26.01 + 24.01 = 102.02
            double err = ResponseFactorization.responseError(w, null, product, f.secondBias(), x, false);
            assertEquals(Math.sqrt(0.02 / 102.02), err, 1e-12);
        }
    }

    @Test
    void pcaResponseErrorNeverExceedsThePlainSvdOnTheSameData() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(31, 8, 12);
            Tensor b = Doubles.uniform(32, 8);
            // correlated inputs with a mean, as activations are: 300 samples in a 5-dimensional subspace plus noise
            Tensor x = Doubles.uniform(33, 300, 5).mm(Doubles.uniform(34, 5, 12)).add(Doubles.uniform(35, 12))
                    .add(Doubles.uniform(36, 300, 12).mul(new org.bytedeco.pytorch.Scalar(0.05)));
            for (long r = 1; r <= 7; r++) {
                Factors svd = LowRankFactorization.svd(w, b, r);
                Factors pca = ResponseFactorization.pca(w, b, x, r);
                double svdErr = ResponseFactorization.responseError(w, b,
                        LowRankFactorization.product(svd, w.shape(), false), svd.secondBias(), x, false);
                double pcaErr = ResponseFactorization.responseError(w, b,
                        LowRankFactorization.product(pca, w.shape(), false), pca.secondBias(), x, false);
                assertTrue(pcaErr <= svdErr + 1e-12, "rank " + r + ": pca " + pcaErr + " > svd " + svdErr);
            }
        }
    }

    @Test
    void gsvdFitsTheReluResponsesBetterThanPca() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(41, 8, 12);
            Tensor b = Doubles.uniform(42, 8);
            Tensor x = Doubles.uniform(43, 400, 12);
            for (long r : new long[] {2, 4}) {
                Factors pca = ResponseFactorization.pca(w, b, x, r);
                Factors gsvd = ResponseFactorization.gsvd(w, b, x, r);
                assertArrayEquals(new long[] {r, 12}, gsvd.first().shape());
                double pcaErr = ResponseFactorization.responseError(w, b,
                        LowRankFactorization.product(pca, w.shape(), false), pca.secondBias(), x, true);
                double gsvdErr = ResponseFactorization.responseError(w, b,
                        LowRankFactorization.product(gsvd, w.shape(), false), gsvd.secondBias(), x, true);
                assertTrue(gsvdErr < pcaErr, "rank " + r + ": gsvd " + gsvdErr + " >= pca " + pcaErr);
            }
        }
    }

    @Test
    void tooFewSamplesOrAWrongWidthAreRefused() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Doubles.uniform(1, 4, 6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ResponseFactorization.pca(w, null, Doubles.uniform(2, 1, 6), 2));
            assertEquals("response factorization needs at least 2 samples, got 1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ResponseFactorization.pca(w, null, Doubles.uniform(2, 10, 5), 2));
            assertEquals("sampled inputs must be [n, 6] for a weight of shape [4, 6], got [10, 5]", e.getMessage());
        }
    }
}
