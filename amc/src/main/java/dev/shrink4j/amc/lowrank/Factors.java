package dev.shrink4j.amc.lowrank;

import org.bytedeco.pytorch.Tensor;

/**
 * The two weights a layer of rank {@code rank} is replaced by, in float64: {@code first} runs on the layer's input
 * (a k×k, k×1 convolution or a linear map to {@code rank} outputs, without bias), {@code second} maps the
 * {@code rank} intermediate channels to the layer's outputs, with {@code secondBias}.
 *
 * @param first          the first layer's weight ({@code [r, Cin, kh, kw]}, {@code [r, Cin, kh, 1]} or {@code [r, in]})
 * @param second         the second layer's weight ({@code [Cout, r, 1, 1]}, {@code [Cout, r, 1, kw]} or {@code [out, r]})
 * @param secondBias     the second layer's bias ({@code [Cout]}), or null when the layer had none and the method adds none
 * @param rank           the rank {@code r}
 * @param weightError    ‖W − W_r‖_F, W_r being the weight the pair computes with (the product of the factors)
 * @param singularValues the spectrum the rank was cut from, largest first (of W for the SVD methods, of the response
 *                       covariance's square root for the data-driven ones)
 */
public record Factors(Tensor first, Tensor second, Tensor secondBias, long rank, double weightError,
        double[] singularValues) {
}
