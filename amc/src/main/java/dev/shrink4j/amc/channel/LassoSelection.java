package dev.shrink4j.amc.channel;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * He et al.'s channel selection: LASSO on the per-channel contributions with an α search. From
 * {@code lars_alpha_init}, α doubles until fewer than {@code c'} coefficients survive, then bisects between the
 * last α with at least {@code c'} survivors and the first with fewer until the survivors are within
 * {@code [c', 1.1·c']}; the {@code c'} largest |β| are kept. When the search cannot land in that window (ties
 * drop several coefficients at once), the last α with at least {@code c'} survivors is used.
 */
public final class LassoSelection {

    /** The reference's starting α. */
    public static final double DEFAULT_ALPHA_INIT = 1e-3;
    /** Doublings and bisections allowed, each. */
    static final int MAX_STEPS = 60;

    private LassoSelection() {
    }

    /**
     * What the search found.
     *
     * @param kept      the kept columns, ascending ({@code keep} of them)
     * @param alpha     the α whose solution was used
     * @param survivors how many coefficients were non-zero at that α
     * @param beta      the coefficients at that α
     */
    public record Result(int[] kept, double alpha, int survivors, double[] beta) {
    }

    /**
     * Selects {@code keep} of the columns of {@code lasso}'s problem.
     *
     * @throws IllegalArgumentException when {@code keep} is not in {@code [1, c]} or {@code alphaInit} is not positive
     */
    public static Result select(Lasso lasso, int keep, double alphaInit) {
        int c = lasso.columns();
        if (keep < 1 || keep > c) {
            throw new IllegalArgumentException("LASSO selection: cannot keep " + keep + " of " + c + " channels");
        }
        if (!(alphaInit > 0) || Double.isInfinite(alphaInit)) {
            throw new IllegalArgumentException("lars_alpha_init must be a positive number, got " + alphaInit);
        }
        double upper = Math.floor(1.1 * keep);
        try (PointerScope scope = new PointerScope()) {
            double lo = alphaInit;
            Tensor betaLo = lasso.solve(lo);
            for (int i = 0; i < MAX_STEPS && survivors(betaLo) < keep; i++) {   // α init already too strong
                lo /= 2;
                betaLo = lasso.solve(lo, betaLo);
            }
            if (survivors(betaLo) <= upper || keep == c) {
                return result(betaLo, lo, keep);
            }
            double hi = lo;
            Tensor betaHi = betaLo;
            for (int i = 0; i < MAX_STEPS && survivors(betaHi) >= keep; i++) {
                lo = hi;
                betaLo = betaHi;
                hi *= 2;
                betaHi = lasso.solve(hi, betaHi);
            }
            for (int i = 0; i < MAX_STEPS; i++) {
                int s = survivors(betaLo);
                if (s >= keep && s <= upper) {
                    break;
                }
                double mid = (lo + hi) / 2;
                Tensor betaMid = lasso.solve(mid, betaLo);
                if (survivors(betaMid) < keep) {
                    hi = mid;
                } else {
                    lo = mid;
                    betaLo = betaMid;
                }
            }
            return result(betaLo, lo, keep);
        }
    }

    private static int survivors(Tensor beta) {
        return (int) beta.ne(new Scalar(0.0)).sum().item_long();
    }

    private static Result result(Tensor beta, double alpha, int keep) {
        double[] values = new double[(int) beta.numel()];
        beta.contiguous().data_ptr_double().get(values);
        int[] kept = TopK.largestAbs(values, keep);
        return new Result(kept, alpha, survivors(beta), values);
    }

    /** The {@code k} largest |v| (ties: the lower index), ascending by index. */
    static final class TopK {
        private TopK() {
        }

        static int[] largestAbs(double[] v, int k) {
            Integer[] order = new Integer[v.length];
            for (int i = 0; i < v.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> {
                int byMagnitude = Double.compare(Math.abs(v[b]), Math.abs(v[a]));
                return byMagnitude != 0 ? byMagnitude : Integer.compare(a, b);
            });
            int[] kept = new int[k];
            for (int i = 0; i < k; i++) {
                kept[i] = order[i];
            }
            Arrays.sort(kept);
            return kept;
        }
    }
}
