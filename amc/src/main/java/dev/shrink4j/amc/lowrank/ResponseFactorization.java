package dev.shrink4j.amc.lowrank;

import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The data-driven factorizations of Zhang et al. 2015 ("Efficient and Accurate Approximations of Nonlinear
 * Convolutional Networks"), from sampled layer inputs {@code X} ({@code [n, Cin·kh·kw]} im2col patches of a conv,
 * or {@code [n, in]} rows of a linear layer) and the responses {@code Y = X·Wᵀ + b} they give, all in float64.
 *
 * <ul>
 *   <li>{@link #pca}: the linear case. With {@code P} the top-r eigenvectors of the response covariance,
 *       {@code ŷ = P·Pᵀ(y − ȳ) + ȳ}: first layer {@code PᵀW} (no bias), second {@code P} with bias
 *       {@code ȳ + P·Pᵀ(b − ȳ)}. Among all rank-r affine maps of the responses it has the smallest response error on
 *       the samples, so never more than the plain SVD's.</li>
 *   <li>{@link #gsvd}: the nonlinear case ({@code nonlinear_case}) for a layer followed by ReLU: minimises
 *       Σ‖r(y) − r(M·y + c)‖² over rank-r {@code M} by alternating a closed-form update of auxiliary responses
 *       {@code z} (per element) with a reduced-rank regression (GSVD) of {@code z} on {@code y}, λ = 0.1 for 30
 *       iterations then λ = 1 for 20 (the reference's {@code ITQ_decompose} schedule), started from the PCA
 *       solution. With {@code M = P·Qᵀ}: first layer {@code QᵀW}, second {@code P} with the consistent bias
 *       {@code z̄ + M(b − ȳ)} (the reference's bias drops {@code M·b}).</li>
 * </ul>
 * Returned tensors are float64 and belong to the caller's {@code PointerScope}; the iterations run in their own.
 */
public final class ResponseFactorization {

    /** λ and iterations of the GSVD alternation: {@code {λ, iterations}} pairs run in order. */
    private static final double[][] GSVD_SCHEDULE = {{0.1, 30}, {1.0, 20}};

    private ResponseFactorization() {
    }

    /**
     * The linear response-PCA factorization.
     *
     * @param weight the layer's weight ({@code [out, …]})
     * @param bias   its bias, or null (then zero)
     * @param inputs sampled inputs {@code [n, Cin·kh·kw]} or {@code [n, in]}
     * @param rank   the rank, in [1, out]
     */
    public static Factors pca(Tensor weight, Tensor bias, Tensor inputs, long rank) {
        Problem p = Problem.of(weight, bias, inputs, rank);
        Tensor centered = p.responses.sub(p.meanResponse);
        Eigen e = topEigen(centered.t().mm(centered).div(new Scalar((double) p.samples)), rank);
        Tensor projection = e.vectors;                                              // P [out, r]
        Tensor first = projection.t().mm(p.matrix);                                // Pᵀ W [r, d]
        Tensor secondBias = p.meanResponse.add(projection.mv(projection.t().mv(p.bias.sub(p.meanResponse))));
        return p.factors(first, projection, secondBias, e.singularValues);
    }

    /**
     * The nonlinear (ReLU-aware) GSVD factorization; see the class documentation.
     *
     * @param bias null means zero
     */
    public static Factors gsvd(Tensor weight, Tensor bias, Tensor inputs, long rank) {
        Problem p = Problem.of(weight, bias, inputs, rank);
        Tensor y = p.responses;
        Tensor target = y.relu();
        Tensor yMean = p.meanResponse;
        Tensor yc = y.sub(yMean);
        // the full-rank regression of z on y goes through (YcᵀYc)⁺, fixed across iterations
        Tensor gramPinv = torch.linalg_pinv(yc.t().mm(yc));
        Tensor centeredCov = yc.t().mm(yc).div(new Scalar((double) p.samples));
        // owned by the caller's scope and updated in place, so each iteration's temporaries die in its own scope
        Tensor projection = topEigen(centeredCov, rank).vectors;                    // PCA start: M = P Pᵀ, z̄ = ȳ
        Tensor regression = projection.t().contiguous();                             // Qᵀ [r, out]
        Tensor zMean = yMean.clone();
        double[] singular = new double[0];
        for (double[] stage : GSVD_SCHEDULE) {
            double lambda = stage[0];
            for (int it = 0; it < (int) stage[1]; it++) {
                try (PointerScope step = new PointerScope()) {
                    Tensor m = projection.mm(regression);                             // M [out, out]
                    Tensor approx = yc.mm(m.t()).add(zMean);                          // M(y − ȳ) + z̄
                    Tensor z = auxiliaryResponses(target, approx, lambda);
                    Tensor newMean = z.mean(0);
                    Tensor zc = z.sub(newMean);
                    Tensor full = zc.t().mm(yc).mm(gramPinv);                         // M_full [out, out]
                    Tensor fitted = yc.mm(full.t());
                    Eigen e = topEigen(fitted.t().mm(fitted).div(new Scalar((double) p.samples)), rank);
                    regression.copy_(e.vectors.t().mm(full));                         // Qᵀ = Pᵀ M_full
                    projection.copy_(e.vectors);
                    zMean.copy_(newMean);
                    singular = e.singularValues;
                }
            }
        }
        Tensor m = projection.mm(regression);
        Tensor first = regression.mm(p.matrix);                                       // Qᵀ W [r, d]
        Tensor secondBias = zMean.add(m.mv(p.bias.sub(yMean)));                       // z̄ + M(b − ȳ)
        return p.factors(first, projection, secondBias, singular);
    }

    /**
     * The relative response error of an approximation on sampled inputs: ‖f(Y) − f(Ŷ)‖_F / ‖f(Y)‖_F with
     * {@code Y = X·Wᵀ + b}, {@code Ŷ = X·W_rᵀ + b_r} and {@code f} the identity, or ReLU when {@code relu}.
     *
     * @param weight           the original weight
     * @param bias             the original bias, or null
     * @param approxWeight     the weight the pair computes with ({@link LowRankFactorization#product})
     * @param approxBias       the pair's bias, or null
     * @param inputs           {@code [n, d]}
     */
    public static double responseError(Tensor weight, Tensor bias, Tensor approxWeight, Tensor approxBias, Tensor inputs,
            boolean relu) {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = inputs.to(torch.ScalarType.Double);
            Tensor y = affine(x, weight, bias);
            Tensor yHat = affine(x, approxWeight, approxBias);
            if (relu) {
                y = y.relu();
                yHat = yHat.relu();
            }
            double denominator = Tensors.frobenius(y);
            double numerator = Tensors.frobenius(y.sub(yHat));
            return denominator == 0 ? numerator : numerator / denominator;
        }
    }

    private static Tensor affine(Tensor x, Tensor weight, Tensor bias) {
        long out = weight.shape()[0];
        Tensor y = x.mm(weight.to(torch.ScalarType.Double).reshape(out, -1).t());
        return bias == null ? y : y.add(bias.to(torch.ScalarType.Double));
    }

    /**
     * The per-element minimiser of (r(y) − r(z))² + λ(z − a)²: on z ≤ 0 it is min(0, a); on z ≥ 0,
     * max(0, (λa + r(y)) / (λ + 1)); the cheaper of the two (Zhang et al., eq. 11).
     */
    private static Tensor auxiliaryResponses(Tensor target, Tensor approx, double lambda) {
        Tensor zero = approx.clamp_max(new Scalar(0.0));
        Tensor positive = approx.mul(new Scalar(lambda)).add(target).div(new Scalar(lambda + 1)).clamp_min(new Scalar(0.0));
        Tensor costZero = target.pow(new Scalar(2.0)).add(zero.sub(approx).pow(new Scalar(2.0)).mul(new Scalar(lambda)));
        Tensor costPositive = target.sub(positive).pow(new Scalar(2.0))
                .add(positive.sub(approx).pow(new Scalar(2.0)).mul(new Scalar(lambda)));
        return zero.where(costZero.lt(costPositive), positive);
    }

    /** The top-{@code rank} eigenvectors of a symmetric matrix, largest first, and √ of their eigenvalues. */
    private record Eigen(Tensor vectors, double[] singularValues) {
    }

    private static Eigen topEigen(Tensor symmetric, long rank) {
        T_TensorTensor_T e = torch.linalg_eigh(symmetric);
        long n = symmetric.shape()[0];
        double[] ascending = Tensors.toDoubles(e.get0());
        double[] sigma = new double[ascending.length];
        for (int i = 0; i < sigma.length; i++) {
            sigma[i] = Math.sqrt(Math.max(0, ascending[sigma.length - 1 - i]));
        }
        return new Eigen(e.get1().narrow(1, n - rank, rank).flip(1).contiguous(), sigma);
    }

    /** The float64 problem: weight as a matrix, bias, inputs, responses and their mean. */
    private record Problem(long[] weightShape, Tensor matrix, Tensor bias, Tensor responses, Tensor meanResponse,
            long samples, long rank) {

        static Problem of(Tensor weight, Tensor bias, Tensor inputs, long rank) {
            long[] shape = weight.shape();
            long out = shape[0];
            Tensor matrix = weight.to(torch.ScalarType.Double).reshape(out, -1);
            long features = matrix.shape()[1];
            long[] in = inputs.shape();
            if (in.length != 2 || in[1] != features) {
                throw new IllegalArgumentException("sampled inputs must be [n, " + features + "] for a weight of shape "
                        + Arrays.toString(shape) + ", got " + Arrays.toString(in));
            }
            if (in[0] < 2) {
                throw new IllegalArgumentException("response factorization needs at least 2 samples, got " + in[0]);
            }
            if (rank < 1 || rank > out) {
                throw new IllegalArgumentException("rank " + rank + " is outside [1, " + out + "] (the layer's outputs)");
            }
            Tensor b = bias == null ? torch.zeros(out).to(torch.ScalarType.Double) : bias.to(torch.ScalarType.Double);
            Tensor x = inputs.to(torch.ScalarType.Double);
            Tensor y = x.mm(matrix.t()).add(b);
            return new Problem(shape, matrix, b, y, y.mean(0), in[0], rank);
        }

        Factors factors(Tensor first, Tensor second, Tensor secondBias, double[] singularValues) {
            Tensor product = second.mm(first);
            double error = Tensors.frobenius(matrix.sub(product));
            Tensor firstShaped;
            Tensor secondShaped;
            if (weightShape.length == 4) {
                firstShaped = first.reshape(rank, weightShape[1], weightShape[2], weightShape[3]).contiguous();
                secondShaped = second.reshape(weightShape[0], rank, 1, 1).contiguous();
            } else {
                firstShaped = first.contiguous();
                secondShaped = second.contiguous();
            }
            return new Factors(firstShaped, secondShaped, secondBias, rank, error, singularValues);
        }
    }
}
