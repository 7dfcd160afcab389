package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.layers.Conv2d;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@code Conv2d} whose stride, padding and dilation may differ between height and width (PyTorch's
 * {@code Conv2d(..., stride=(s, 1), padding=(p, 0))}), which {@link Conv2d.Builder} cannot express: the vertical and
 * horizontal halves of a {@linkplain LowRankFactorization#verticalHorizontal vertical/horizontal} decomposition, and
 * the first half of a decomposed convolution with non-square geometry. It is a {@code Conv2d} to every tool (type
 * name, FLOP counter, graph tracer) and reports its own geometry through the getters.
 */
public final class RectangularConv2d extends Conv2d {

    private final long[] rectStride;
    private final long[] rectPadding;
    private final long[] rectDilation;

    /** A convolution {@code in → out} with kernel {@code kh×kw} and the given per-axis geometry ({@code {h, w}}). */
    public RectangularConv2d(long in, long out, long kh, long kw, long[] stride, long[] padding, long[] dilation,
            boolean bias) {
        super(Conv2d.builder().setInChannels(in).setOutChannels(out).setKernelSize(kh, kw).optBias(bias));
        this.rectStride = stride.clone();
        this.rectPadding = padding.clone();
        this.rectDilation = dilation.clone();
    }

    @Override
    protected Tensor forward(Tensor input) {
        return conv2d(input, parametrized("weight"), bias() == null ? null : parametrized("bias"), rectStride, rectPadding,
                rectDilation, groups());
    }

    @Override
    public long[] stride() {
        return rectStride.clone();
    }

    @Override
    public long[] padding() {
        return rectPadding.clone();
    }

    @Override
    public long[] dilation() {
        return rectDilation.clone();
    }

    @Override
    public String typeName() {
        return "Conv2d";
    }

    @Override
    public String toString() {
        long[] k = kernelSize();
        return "Conv2d(" + inChannels() + ", " + outChannels() + ", kernel_size=(" + k[0] + ", " + k[1] + "), stride="
                + pair(rectStride) + ", padding=" + pair(rectPadding)
                + (rectDilation[0] != 1 || rectDilation[1] != 1 ? ", dilation=" + pair(rectDilation) : "")
                + (bias() == null ? ", bias=False" : "") + ")";
    }

    private static String pair(long[] v) {
        return "(" + v[0] + ", " + v[1] + ")";
    }

    /** Whether the geometry is the same on both axes, so a plain {@code Conv2d} can express it. */
    static boolean square(long[]... pairs) {
        return Arrays.stream(pairs).allMatch(p -> p[0] == p[1]);
    }
}
