package dev.shrink4j.amc.channel;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * He et al.'s channel selection: LASSO on the per-channel contributions with an α search. From a start α
 * ({@code lars_alpha_init} for the first layer; by default the previous layer's final α for the others, as the
 * reference's {@code dictionary} does by keeping {@code cfgs.alpha} across layers), α halves while fewer than
 * {@code c'} coefficients survive, doubles until fewer than {@code c'} survive, then bisects between the last α with
 * at least {@code c'} survivors and the first with fewer until the survivors are within {@code [c', 1.1·c']}; the
 * {@code c'} largest |β| are kept. When the search cannot land in that window (ties drop several coefficients at
 * once), the last α with at least {@code c'} survivors is used. Adjacent layers need similar α, so a warm start
 * skips most doublings.
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
     * @param solves    how many LASSO problems the search solved (0 when none was needed)
     */
    public record Result(int[] kept, double alpha, int survivors, double[] beta, int solves) {
    }

    /**
     * Selects {@code keep} of the columns of {@code lasso}'s problem, the α search starting at {@code alphaInit}.
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
        int[] solves = {0};
        Solver solve = (alpha, start) -> {
            solves[0]++;
            return lasso.solve(alpha, start);
        };
        try (PointerScope scope = new PointerScope()) {
            double lo = alphaInit;
            Tensor betaLo = solve.at(lo, null);
            for (int i = 0; i < MAX_STEPS && survivors(betaLo) < keep; i++) {   // α init already too strong
                lo /= 2;
                betaLo = solve.at(lo, betaLo);
            }
            if (survivors(betaLo) <= upper || keep == c) {
                return result(betaLo, lo, keep, solves[0]);
            }
            double hi = lo;
            Tensor betaHi = betaLo;
            for (int i = 0; i < MAX_STEPS && survivors(betaHi) >= keep; i++) {
                lo = hi;
                betaLo = betaHi;
                hi *= 2;
                betaHi = solve.at(hi, betaHi);
            }
            for (int i = 0; i < MAX_STEPS; i++) {
                int s = survivors(betaLo);
                if (s >= keep && s <= upper) {
                    break;
                }
                double mid = (lo + hi) / 2;
                Tensor betaMid = solve.at(mid, betaLo);
                if (survivors(betaMid) < keep) {
                    hi = mid;
                } else {
                    lo = mid;
                    betaLo = betaMid;
                }
            }
            return result(betaLo, lo, keep, solves[0]);
        }
    }

    /** One LASSO solve of the search, counted. */
    @FunctionalInterface
    private interface Solver {
        Tensor at(double alpha, Tensor start);
    }

    private static int survivors(Tensor beta) {
        return (int) beta.ne(new Scalar(0.0)).sum().item_long();
    }

    private static Result result(Tensor beta, double alpha, int keep, int solves) {
        double[] values = new double[(int) beta.numel()];
        beta.contiguous().data_ptr_double().get(values);
        int[] kept = TopK.largestAbs(values, keep);
        return new Result(kept, alpha, survivors(beta), values, solves);
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
