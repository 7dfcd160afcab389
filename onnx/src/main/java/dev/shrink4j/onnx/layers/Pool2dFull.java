package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.layers.Pool2d;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Max or average pooling with what {@link dev.shrink4j.nn.layers.MaxPool2d} and
 * {@link dev.shrink4j.nn.layers.AvgPool2d} leave out: rectangular kernels and strides, per-axis padding, dilation
 * (max only), ceil mode ({@code ceil_mode=True}, as SqueezeNet's pools) and average pooling that ignores padded zeros
 * (ONNX's default {@code count_include_pad=0}). A {@link Pool2d}, so the channel analysis treats it as any
 * pooling; {@link Pool2d#kernel()}, {@link Pool2d#stride()} and {@link Pool2d#padding()} return the height's
 * values, the full ones are {@link #kernelSize()}, {@link #strides()} and {@link #paddings()}.
 */
public class Pool2dFull extends Pool2d {

    /** Which pooling. */
    public enum Kind {
        /** Maximum over the window. */
        MAX,
        /** Mean over the window. */
        AVG
    }

    private final Kind kind;
    private final long[] kernel;
    private final long[] strides;
    private final long[] paddings;
    private final long[] dilations;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /**
     * @param kind            max or average
     * @param kernel          {@code {kH, kW}}
     * @param strides         {@code {sH, sW}}
     * @param paddings        {@code {pH, pW}}, the same on both sides, at most half the (dilated) kernel
     * @param dilations       {@code {dH, dW}}; average pooling takes only 1
     * @param ceilMode        whether the output size rounds up
     * @param countIncludePad average pooling: whether padded zeros count in the mean
     */
    public Pool2dFull(Kind kind, long[] kernel, long[] strides, long[] paddings, long[] dilations, boolean ceilMode,
            boolean countIncludePad) {
        super(kernel[0], strides[0], paddings[0]);
        for (int i = 0; i < 2; i++) {
            if (kernel[i] <= 0 || strides[i] <= 0 || dilations[i] <= 0 || paddings[i] < 0
                    || paddings[i] > ((kernel[i] - 1) * dilations[i] + 1) / 2) {
                throw new IllegalArgumentException("Pool2dFull: need positive kernel, stride and dilation and 0 <= padding"
                        + " <= half the kernel; got kernel=" + java.util.Arrays.toString(kernel) + " stride="
                        + java.util.Arrays.toString(strides) + " padding=" + java.util.Arrays.toString(paddings)
                        + " dilation=" + java.util.Arrays.toString(dilations));
            }
        }
        if (kind == Kind.AVG && (dilations[0] != 1 || dilations[1] != 1)) {
            throw new IllegalArgumentException("Pool2dFull: average pooling has no dilation, got "
                    + java.util.Arrays.toString(dilations));
        }
        this.kind = kind;
        this.kernel = kernel.clone();
        this.strides = strides.clone();
        this.paddings = paddings.clone();
        this.dilations = dilations.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return kind == Kind.MAX ? torch.max_pool2d(input, kernel, strides, paddings, dilations, ceilMode)
                : torch.avg_pool2d(input, kernel, strides, paddings, ceilMode, countIncludePad, new LongOptional());
    }

    public Kind kind() {
        return kind;
    }

    public long[] kernelSize() {
        return kernel.clone();
    }

    public long[] strides() {
        return strides.clone();
    }

    public long[] paddings() {
        return paddings.clone();
    }

    public long[] dilations() {
        return dilations.clone();
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    @Override
    public String toString() {
        return (kind == Kind.MAX ? "MaxPool2d" : "AvgPool2d") + "(kernel_size=" + pair(kernel) + ", stride=" + pair(strides)
                + ", padding=" + pair(paddings) + (kind == Kind.MAX ? ", dilation=" + pair(dilations) : "")
                + ", ceil_mode=" + (ceilMode ? "True" : "False")
                + (kind == Kind.AVG ? ", count_include_pad=" + (countIncludePad ? "True" : "False") : "") + ")";
    }

    private static String pair(long[] v) {
        return "(" + v[0] + ", " + v[1] + ")";
    }
}
