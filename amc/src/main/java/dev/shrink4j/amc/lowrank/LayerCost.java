package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import java.util.Arrays;

/**
 * What a layer and its low-rank pair cost for one sample, in multiply-accumulates without bias (the rank rule's
 * measure), and in {@code ModelProfiler}'s FLOPs (MACs plus one add per biased output).
 *
 * <p>Conv {@code (Cout, Cin, kh, kw)} with output {@code Ho×Wo}: MACs {@code Cout·Cin·kh·kw·Ho·Wo}; SVD, PCA and GSVD
 * pairs cost {@code (Cin·kh·kw + Cout)·Ho·Wo} per rank; the vertical/horizontal pair
 * {@code Cin·kh·Ho·Win + Cout·kw·Ho·Wo} (its vertical half keeps the input's width). Linear {@code (out, in)}:
 * {@code out·in}, per rank {@code in + out}.
 *
 * @param macs        the layer's MACs
 * @param macsPerRank the pair's MACs per unit of rank
 * @param maxRank     the largest rank of the factorization
 * @param biasFlops   the adds of the bias (0 without one), the same before and after
 */
public record LayerCost(long macs, long macsPerRank, long maxRank, long biasFlops) {

    /**
     * The cost of {@code layer} under {@code method}.
     *
     * @param inputShape  the layer's input shape for one sample ({@code [1, C, H, W]} or {@code [1, F]})
     * @param outputShape its output shape
     * @throws IllegalArgumentException naming {@code name} for a layer that is neither an ungrouped Conv2d nor a
     *                                  Linear, or {@code vh} on a Linear
     */
    public static LayerCost of(String name, Module layer, LowRankMethod method, long[] inputShape, long[] outputShape) {
        if (layer instanceof Conv2d conv) {
            if (conv.groups() != 1) {
                throw new IllegalArgumentException(name + ": " + conv + " is grouped (groups " + conv.groups()
                        + "): low-rank decomposition handles groups = 1 only");
            }
            long[] k = conv.kernelSize();
            long cin = conv.inChannels();
            long cout = conv.outChannels();
            long outPixels = outputShape[outputShape.length - 2] * outputShape[outputShape.length - 1];
            long macs = cout * cin * k[0] * k[1] * outPixels;
            long bias = conv.bias() != null ? cout * outPixels : 0;
            if (method == LowRankMethod.VH) {
                long inWidth = inputShape[inputShape.length - 1];
                long perRank = cin * k[0] * outputShape[outputShape.length - 2] * inWidth + cout * k[1] * outPixels;
                return new LayerCost(macs, perRank, LowRankFactorization.maxRankVh(conv.weight().shape()), bias);
            }
            return new LayerCost(macs, (cin * k[0] * k[1] + cout) * outPixels,
                    LowRankFactorization.maxRankSvd(conv.weight().shape()), bias);
        }
        if (layer instanceof Linear linear) {
            if (method == LowRankMethod.VH) {
                throw new IllegalArgumentException(name + ": method vh splits a convolution's kernel; " + linear
                        + " has none (use svd, pca or gsvd)");
            }
            long rows = 1;
            for (int d = 0; d < outputShape.length - 1; d++) {
                rows *= outputShape[d];
            }
            long in = linear.inFeatures();
            long out = linear.outFeatures();
            return new LayerCost(out * in * rows, (in + out) * rows, Math.min(in, out),
                    linear.bias() != null ? out * rows : 0);
        }
        throw new IllegalArgumentException(name + ": " + layer.typeName() + " cannot be decomposed (Conv2d or Linear only);"
                + " shapes " + Arrays.toString(inputShape) + " → " + Arrays.toString(outputShape));
    }

    /** The layer's FLOPs as {@code ModelProfiler} counts them. */
    public long flopsBefore() {
        return macs + biasFlops;
    }

    /** The FLOPs of the pair at {@code rank}, as {@code ModelProfiler} counts its two layers. */
    public long flopsAfter(long rank) {
        return rank * macsPerRank + biasFlops;
    }
}
