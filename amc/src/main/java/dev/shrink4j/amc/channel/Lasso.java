package dev.shrink4j.amc.channel;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * LASSO by cyclic coordinate descent: minimises {@code 1/(2n)·‖y − Zβ‖² + α·‖β‖₁} over {@code β}, without an
 * intercept, in float64 libtorch tensors. It works on the Gram form ({@code G = ZᵀZ/n}, {@code q = Zᵀy/n}), so
 * one solve costs {@code O(c²)} per sweep whatever the number of rows; each coordinate update is
 * {@code β_j = S(q_j − G_j·β + G_jj·β_j, α) / G_jj} with the soft threshold {@code S(v, α) = sign(v)·max(|v| − α, 0)}.
 * Build once per problem and {@link #solve} for many α (warm starts make the α search cheap).
 */
public final class Lasso implements AutoCloseable {

    /** Sweeps after which a solve stops even if not converged. */
    public static final int MAX_SWEEPS = 1000;
    /** Convergence: the largest change of a sweep below this share of the largest |β|. */
    public static final double TOLERANCE = 1e-7;

    private final Tensor gram;
    private final Tensor correlation;
    private final List<Tensor> gramRows = new ArrayList<>();
    private final double[] diagonal;
    private final int columns;

    /**
     * The problem {@code z} ({@code [n, c]}) and {@code y} ({@code [n]}); both are copied to float64.
     *
     * @throws IllegalArgumentException when the shapes do not fit, or a column of {@code z} is all zero
     */
    public Lasso(Tensor z, Tensor y) {
        if (z.dim() != 2 || y.dim() != 1 || z.size(0) != y.size(0)) {
            throw new IllegalArgumentException("LASSO needs z [n, c] and y [n], got z " + java.util.Arrays.toString(z.shape())
                    + " and y " + java.util.Arrays.toString(y.shape()));
        }
        double n = z.size(0);
        columns = (int) z.size(1);
        try (PointerScope scope = new PointerScope()) {
            Tensor zd = z.to(torch.ScalarType.Double);
            Tensor g = zd.t().matmul(zd).div(new Scalar(n));
            Tensor q = zd.t().matmul(y.to(torch.ScalarType.Double)).div(new Scalar(n));
            gram = g.contiguous().clone();
            correlation = q.contiguous().clone();
            gram.retainReference();
            correlation.retainReference();
        }
        diagonal = new double[columns];
        Tensor diag = gram.diagonal().contiguous();
        diag.data_ptr_double().get(diagonal);
        diag.close();
        for (int j = 0; j < columns; j++) {
            if (!(diagonal[j] > 0)) {
                throw new IllegalArgumentException("LASSO: column " + j + " of z is all zero (that channel contributes nothing)");
            }
            Tensor row = gram.select(0, j);
            row.retainReference();
            gramRows.add(row);
        }
    }

    /** The number of coefficients {@code c}. */
    public int columns() {
        return columns;
    }

    /** The solution at {@code alpha} from a zero start. */
    public Tensor solve(double alpha) {
        return solve(alpha, null);
    }

    /**
     * The solution at {@code alpha}, starting from {@code start} (a warm start; null for zeros). A new float64
     * tensor {@code [c]} in the caller's scope.
     *
     * @throws IllegalArgumentException when {@code alpha} is negative or not finite
     */
    public Tensor solve(double alpha, Tensor start) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LASSO alpha must be finite and at least 0, got " + alpha);
        }
        Tensor beta = start == null ? torch.zeros(new long[] {columns}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Double))
                : start.to(torch.ScalarType.Double).clone();
        double[] q = new double[columns];
        correlation.data_ptr_double().get(q);
        // β lives in the tensor (the Gram products G_j·β run in libtorch); a Java copy of its values saves reading
        // each coordinate back before its update
        double[] current = new double[columns];
        beta.contiguous().data_ptr_double().get(current);
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double largestChange = 0;
            double largest = 0;
            try (PointerScope scope = new PointerScope()) {
                for (int j = 0; j < columns; j++) {
                    double old = current[j];
                    double v = q[j] - gramRows.get(j).dot(beta).item_double() + diagonal[j] * old;
                    double updated = Math.signum(v) * Math.max(Math.abs(v) - alpha, 0) / diagonal[j];
                    if (updated != old) {
                        beta.select(0, j).fill_(new Scalar(updated));
                        current[j] = updated;
                    }
                    largestChange = Math.max(largestChange, Math.abs(updated - old));
                    largest = Math.max(largest, Math.abs(updated));
                }
            }
            if (largestChange <= TOLERANCE * Math.max(largest, 1e-300)) {
                break;
            }
        }
        return beta;
    }

    /** The objective {@code 1/(2n)·‖y − Zβ‖² + α·‖β‖₁} up to the constant {@code ‖y‖²/(2n)}: {@code ½βᵀGβ − qᵀβ + α‖β‖₁}. */
    public double objective(Tensor beta, double alpha) {
        try (PointerScope scope = new PointerScope()) {
            Tensor b = beta.to(torch.ScalarType.Double);
            return 0.5 * b.dot(gram.matmul(b)).item_double() - correlation.dot(b).item_double()
                    + alpha * b.abs().sum().item_double();
        }
    }

    /** The smallest α at which every coefficient is zero: {@code max_j |q_j|}. */
    public double alphaMax() {
        try (PointerScope scope = new PointerScope()) {
            return correlation.abs().max().item_double();
        }
    }

    @Override
    public void close() {
        gramRows.forEach(Tensor::releaseReference);
        gram.releaseReference();
        correlation.releaseReference();
    }
}
