package dev.shrink4j.amc.lowrank;

import java.util.Arrays;
import org.bytedeco.pytorch.StringViewOptional;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Truncated-SVD factorizations of convolution and linear weights (Zhang et al. 2015, the AMC/"channel-pruning"
 * reference's {@code SVD_decompose} and {@code VH_decompose}), computed by libtorch's {@code torch.linalg.svd} in
 * float64 whatever the weight's dtype: the error ‖W − W_r‖_F then equals √(Σ dropped σ²) to rounding.
 *
 * <ul>
 *   <li>{@link #svd(Tensor, long)}: a conv weight {@code (Cout, Cin, kh, kw)} as the {@code Cout × Cin·kh·kw}
 *       matrix U S Vᵀ → a kh×kw conv {@code S_r V_rᵀ} (Cin → r, the original stride, padding and dilation, no bias)
 *       then a 1×1 conv {@code U_r} (r → Cout, the original bias). A linear weight {@code (out, in)} the same way:
 *       {@code S_r V_rᵀ} then {@code U_r}.</li>
 *   <li>{@link #verticalHorizontal(Tensor, long)}: the weight permuted to {@code (Cin, kh, Cout, kw)} as the
 *       {@code Cin·kh × Cout·kw} matrix → a kh×1 conv {@code U_r} (Cin → r, stride (s, 1), padding (p, 0)) then a
 *       1×kw conv {@code S_r V_rᵀ} (r → Cout, stride (1, s), padding (0, p), the original bias).</li>
 * </ul>
 * The returned tensors are new float64 tensors owned by the caller's {@code PointerScope}.
 */
public final class LowRankFactorization {

    private LowRankFactorization() {
    }

    /** The SVD of a 2-D matrix, cut to {@code rank}: {@code left = U_r [m, r]}, {@code right = S_r V_rᵀ [r, n]}. */
    record Truncated(Tensor left, Tensor right, double[] singularValues, double droppedError) {
    }

    /**
     * Cuts the SVD of {@code matrix} (any floating dtype; computed in float64) to {@code rank}.
     *
     * @throws IllegalArgumentException when {@code matrix} is not 2-D or {@code rank} is outside [1, min(m, n)]
     */
    static Truncated truncate(Tensor matrix, long rank) {
        long[] shape = matrix.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("truncated SVD needs a matrix, got shape " + Arrays.toString(shape));
        }
        long max = Math.min(shape[0], shape[1]);
        if (rank < 1 || rank > max) {
            throw new IllegalArgumentException("rank " + rank + " is outside [1, " + max + "] for a " + shape[0] + "×"
                    + shape[1] + " matrix");
        }
        T_TensorTensorTensor_T usv = torch.linalg_svd(matrix.to(torch.ScalarType.Double), false, new StringViewOptional());
        Tensor u = usv.get0();
        Tensor s = usv.get1();
        Tensor vh = usv.get2();
        double[] sigma = Tensors.toDoubles(s);
        double dropped = 0;
        for (int i = (int) rank; i < sigma.length; i++) {
            dropped += sigma[i] * sigma[i];
        }
        Tensor left = u.narrow(1, 0, rank).contiguous();
        Tensor right = vh.narrow(0, 0, rank).mul(s.narrow(0, 0, rank).unsqueeze(1)).contiguous();
        return new Truncated(left, right, sigma, Math.sqrt(dropped));
    }

    /** The largest useful rank of a conv weight under {@link #svd}: min(Cout, Cin·kh·kw). */
    static long maxRankSvd(long[] weightShape) {
        long cols = 1;
        for (int d = 1; d < weightShape.length; d++) {
            cols *= weightShape[d];
        }
        return Math.min(weightShape[0], cols);
    }

    /** The largest useful rank under {@link #verticalHorizontal}: min(Cin·kh, Cout·kw). */
    static long maxRankVh(long[] weightShape) {
        return Math.min(weightShape[1] * weightShape[2], weightShape[0] * weightShape[3]);
    }

    /**
     * The SVD factorization of a conv weight {@code (Cout, Cin, kh, kw)} or a linear weight {@code (out, in)}.
     *
     * @param bias the layer's bias, or null; it becomes the second layer's bias (as float64)
     */
    public static Factors svd(Tensor weight, Tensor bias, long rank) {
        long[] shape = weight.shape();
        if (shape.length != 2 && shape.length != 4) {
            throw new IllegalArgumentException("SVD factorization needs a linear (2-D) or conv (4-D) weight, got shape "
                    + Arrays.toString(shape));
        }
        Truncated t = truncate(weight.reshape(shape[0], -1), rank);
        Tensor first;
        Tensor second;
        if (shape.length == 4) {
            first = t.right().reshape(rank, shape[1], shape[2], shape[3]);
            second = t.left().reshape(shape[0], rank, 1, 1);
        } else {
            first = t.right();
            second = t.left();
        }
        return new Factors(first, second, bias == null ? null : bias.to(torch.ScalarType.Double), rank, t.droppedError(),
                t.singularValues());
    }

    /** The SVD factorization of a conv weight without bias; see {@link #svd(Tensor, Tensor, long)}. */
    public static Factors svd(Tensor weight, long rank) {
        return svd(weight, null, rank);
    }

    /**
     * The vertical/horizontal factorization of a conv weight {@code (Cout, Cin, kh, kw)}: a kh×1 conv
     * {@code [r, Cin, kh, 1]} then a 1×kw conv {@code [Cout, r, 1, kw]} carrying {@code bias}.
     */
    public static Factors verticalHorizontal(Tensor weight, Tensor bias, long rank) {
        long[] shape = weight.shape();
        if (shape.length != 4) {
            throw new IllegalArgumentException("the vertical/horizontal factorization needs a conv weight (4-D), got shape "
                    + Arrays.toString(shape));
        }
        long cout = shape[0];
        long cin = shape[1];
        long kh = shape[2];
        long kw = shape[3];
        // (Cout, Cin, kh, kw) -> (Cin, kh, Cout, kw): rows index the vertical filter, columns the horizontal one
        Tensor matrix = weight.to(torch.ScalarType.Double).permute(1, 2, 0, 3).reshape(cin * kh, cout * kw);
        Truncated t = truncate(matrix, rank);
        // U_r (Cin·kh, r) -> (Cin, kh, r) -> (r, Cin, kh, 1)
        Tensor first = t.left().reshape(cin, kh, rank).permute(2, 0, 1).reshape(rank, cin, kh, 1).contiguous();
        // S_r V_rᵀ (r, Cout·kw) -> (r, Cout, kw) -> (Cout, r, 1, kw)
        Tensor second = t.right().reshape(rank, cout, kw).permute(1, 0, 2).reshape(cout, rank, 1, kw).contiguous();
        return new Factors(first, second, bias == null ? null : bias.to(torch.ScalarType.Double), rank, t.droppedError(),
                t.singularValues());
    }

    /**
     * The weight the pair of {@code factors} computes with, as the original layer's shape: for the SVD forms
     * {@code second · first} reshaped; for {@code vh} the product permuted back. {@code weightShape} is the original's.
     */
    public static Tensor product(Factors factors, long[] weightShape, boolean verticalHorizontal) {
        long r = factors.rank();
        if (verticalHorizontal) {
            long cout = weightShape[0];
            long cin = weightShape[1];
            long kh = weightShape[2];
            long kw = weightShape[3];
            Tensor left = factors.first().reshape(r, cin * kh).t();                          // (Cin·kh, r)
            Tensor right = factors.second().reshape(cout, r, kw).permute(1, 0, 2).reshape(r, cout * kw);
            return left.mm(right).reshape(cin, kh, cout, kw).permute(2, 0, 1, 3).contiguous();
        }
        Tensor second = factors.second().reshape(weightShape[0], r);
        return second.mm(factors.first().reshape(r, -1)).reshape(weightShape);
    }
}
