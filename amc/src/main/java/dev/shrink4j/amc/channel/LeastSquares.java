package dev.shrink4j.amc.channel;

import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The least-squares refit of a layer's kept weights: {@code min ‖[X, 1]·[Wᵀ; b] − Y‖²} over all samples, solved
 * in float64 by {@code torch.linalg.pinv} (SVD; the minimum-norm solution when dead inputs make the samples rank-deficient), with an intercept column so the layer's
 * new bias can absorb the mean shift (new bias = old bias + intercept).
 */
public final class LeastSquares {

    private LeastSquares() {
    }

    /**
     * The fitted weight {@code [out, d]} and intercept {@code [out]}, both float64.
     *
     * @param weight    {@code W} with {@code Y ≈ X·Wᵀ + intercept}
     * @param intercept the constant term of each output
     */
    public record Fit(Tensor weight, Tensor intercept) {
    }

    /**
     * Fits {@code y ≈ x·Wᵀ + intercept}. New tensors in the caller's scope.
     *
     * @param x samples {@code [m, d]}
     * @param y targets {@code [m, out]}
     * @throws IllegalArgumentException when the shapes do not fit, or {@code m < d + 1} (fewer samples than
     *                                  unknowns per output: the fit would be underdetermined)
     */
    public static Fit solve(Tensor x, Tensor y) {
        return solve(x, y, true);
    }

    /**
     * Fits {@code y ≈ x·Wᵀ + intercept}, or {@code y ≈ x·Wᵀ} (intercept zero) when {@code withIntercept} is false
     * (a layer without bias has nowhere to put one). New tensors in the caller's scope.
     *
     * @throws IllegalArgumentException as {@link #solve(Tensor, Tensor)}
     */
    public static Fit solve(Tensor x, Tensor y, boolean withIntercept) {
        if (x.dim() != 2 || y.dim() != 2 || x.size(0) != y.size(0)) {
            throw new IllegalArgumentException("least squares needs x [m, d] and y [m, out], got x " + Arrays.toString(x.shape())
                    + " and y " + Arrays.toString(y.shape()));
        }
        long m = x.size(0);
        long d = x.size(1);
        long unknowns = d + (withIntercept ? 1 : 0);
        if (m < unknowns) {
            throw new IllegalArgumentException("least squares: " + m + " samples for " + unknowns
                    + " unknowns per output (" + d + " weights" + (withIntercept ? " + intercept)" : ")"));
        }
        // temporaries stay in the caller's scope with the result: a few small tensors per layer
        Tensor xd = x.to(torch.ScalarType.Double);
        Tensor a = withIntercept
                ? torch.cat(new TensorVector(xd, torch.ones(new long[] {m, 1}, new TensorOptions(torch.ScalarType.Double))), 1)
                : xd;
        // the minimum-norm solution through the pseudo-inverse (SVD): dead ReLU inputs make whole columns zero, and
        // linalg_lstsq's default driver returned all-zero solutions on such rank-deficient samples here
        Tensor solution = torch.linalg_pinv(a).matmul(y.to(torch.ScalarType.Double));   // [d (+ 1), out]
        Tensor weight = solution.narrow(0, 0, d).t().contiguous();
        Tensor intercept = withIntercept ? solution.select(0, d).contiguous()
                : torch.zeros(new long[] {y.size(1)}, new TensorOptions(torch.ScalarType.Double));
        return new Fit(weight, intercept);
    }
}
