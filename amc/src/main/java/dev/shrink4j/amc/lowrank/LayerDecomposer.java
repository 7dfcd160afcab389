package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Decomposes one layer: computes the {@link Factors} of a method at a rank and builds the composite that replaces
 * the layer ({@link LowRankConv2d}, {@link LowRankLinear}), with the factors copied into its two layers (in the
 * layer's dtype). The composite is new and owned by the caller; the original is left untouched.
 */
public final class LayerDecomposer {

    private LayerDecomposer() {
    }

    /** A decomposed layer: its replacement and the numbers of the report. */
    public record Result(Module replacement, long rank, double weightError, double relativeWeightError,
            double responseError) {
    }

    /**
     * Decomposes {@code layer} with {@code method} at {@code rank}.
     *
     * @param samples the sampled inputs ({@link InputSampler#samples()}) for pca and gsvd, or null for svd and vh
     *                (then the response error is NaN unless samples are given anyway)
     * @throws IllegalArgumentException naming {@code name} when the layer cannot take the method or rank
     */
    public static Result decompose(String name, Module layer, LowRankMethod method, long rank, Tensor samples) {
        Tensor weight = layer.getParameter("weight");
        if (weight == null || !(layer instanceof Conv2d || layer instanceof Linear)) {
            throw new IllegalArgumentException(name + ": " + layer.typeName() + " cannot be decomposed (Conv2d or Linear only)");
        }
        if (method.dataDriven() && (samples == null || samples.shape()[0] < 2)) {
            throw new IllegalArgumentException(name + ": method " + method.configName() + " needs sampled inputs, got "
                    + (samples == null ? "none" : samples.shape()[0] + " sample(s)") + " (run the statistics batches first)");
        }
        Tensor bias = layer.getParameter("bias");
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Factors f;
            try {
                f = switch (method) {
                    case SVD -> LowRankFactorization.svd(weight, bias, rank);
                    case VH -> LowRankFactorization.verticalHorizontal(weight, bias, rank);
                    case PCA -> ResponseFactorization.pca(weight, bias, samples, rank);
                    case GSVD -> ResponseFactorization.gsvd(weight, bias, samples, rank);
                };
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
            }
            Module replacement = layer instanceof Conv2d conv ? convPair(conv, f, method == LowRankMethod.VH)
                    : linearPair((Linear) layer, f);
            double norm = Tensors.frobenius(weight);
            double response = Double.NaN;
            if (samples != null && samples.shape()[0] > 0) {
                Tensor product = LowRankFactorization.product(f, weight.shape(), method == LowRankMethod.VH);
                response = ResponseFactorization.responseError(weight, bias, product, f.secondBias(), samples,
                        method == LowRankMethod.GSVD);
            }
            return new Result(replacement, rank, f.weightError(), norm == 0 ? 0 : f.weightError() / norm, response);
        }
    }

    private static LowRankConv2d convPair(Conv2d conv, Factors f, boolean verticalHorizontal) {
        long r = f.rank();
        long[] k = conv.kernelSize();
        long[] stride = conv.stride();
        long[] padding = conv.padding();
        long[] dilation = conv.dilation();
        boolean bias = f.secondBias() != null;
        Conv2d first;
        Conv2d second;
        if (verticalHorizontal) {
            first = new RectangularConv2d(conv.inChannels(), r, k[0], 1, new long[] {stride[0], 1},
                    new long[] {padding[0], 0}, new long[] {dilation[0], 1}, false);
            second = new RectangularConv2d(r, conv.outChannels(), 1, k[1], new long[] {1, stride[1]},
                    new long[] {0, padding[1]}, new long[] {1, dilation[1]}, bias);
        } else {
            first = RectangularConv2d.square(stride, padding, dilation)
                    ? Conv2d.builder().setInChannels(conv.inChannels()).setOutChannels(r).setKernelSize(k[0], k[1])
                            .optStride(stride[0]).optPadding(padding[0]).optDilation(dilation[0]).optBias(false).build()
                    : new RectangularConv2d(conv.inChannels(), r, k[0], k[1], stride, padding, dilation, false);
            second = Conv2d.builder().setInChannels(r).setOutChannels(conv.outChannels()).setKernelSize(1).optBias(bias)
                    .build();
        }
        first.weight().copy_(f.first());
        second.weight().copy_(f.second());
        if (bias) {
            second.bias().copy_(f.secondBias());
        }
        return new LowRankConv2d(conv, first, second);
    }

    private static LowRankLinear linearPair(Linear linear, Factors f) {
        boolean bias = f.secondBias() != null;
        Linear first = new Linear(linear.inFeatures(), f.rank(), false);
        Linear second = new Linear(f.rank(), linear.outFeatures(), bias);
        first.weight().copy_(f.first());
        second.weight().copy_(f.second());
        if (bias) {
            second.bias().copy_(f.secondBias());
        }
        return new LowRankLinear(linear, first, second);
    }
}
