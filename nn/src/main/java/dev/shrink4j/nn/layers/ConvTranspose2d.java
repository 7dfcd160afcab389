package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * 2-D transposed convolution ({@code nn.ConvTranspose2d}): parameters {@code weight} of shape
 * {@code [in, out/groups, kH, kW]} (PyTorch's layout: input channels first) and optional {@code bias [out]},
 * read with {@link #getParameter(String)}.
 * The output side is {@code (in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1}.
 * PyTorch's default initialisation: {@code kaiming_uniform_(a=√5)} with {@code fan_in = weight.size(1)·kH·kW}
 * (PyTorch computes a transposed convolution's fan-in from dimension 1 too), bias {@code U(±1/√fan_in)}.
 */
public class ConvTranspose2d extends Module {

    private final long inChannels;
    private final long outChannels;
    private final long kernelSize;
    private final long stride;
    private final long padding;
    private final long outputPadding;
    private final long dilation;
    private final long groups;
    private final boolean hasBias;

    /** A stride-1, unpadded, biased transposed convolution with a square kernel. */
    public ConvTranspose2d(long inChannels, long outChannels, long kernelSize) {
        this(builder(inChannels, outChannels, kernelSize));
    }

    /** See {@link #builder(long, long, long)}. */
    protected ConvTranspose2d(Builder b) {
        if (b.inChannels <= 0 || b.outChannels <= 0 || b.kernelSize <= 0 || b.stride <= 0 || b.padding < 0 || b.dilation <= 0
                || b.groups <= 0) {
            throw new IllegalArgumentException("ConvTranspose2d needs positive in_channels, out_channels, kernel_size, stride,"
                    + " dilation and groups and a non-negative padding; got in=" + b.inChannels + " out=" + b.outChannels
                    + " kernel=" + b.kernelSize + " stride=" + b.stride + " padding=" + b.padding + " dilation=" + b.dilation
                    + " groups=" + b.groups);
        }
        if (b.inChannels % b.groups != 0 || b.outChannels % b.groups != 0) {
            throw new IllegalArgumentException("ConvTranspose2d: in_channels " + b.inChannels + " and out_channels "
                    + b.outChannels + " must both be divisible by groups " + b.groups);
        }
        if (b.outputPadding < 0 || (b.outputPadding >= b.stride && b.outputPadding >= b.dilation)) {
            throw new IllegalArgumentException("ConvTranspose2d: output_padding " + b.outputPadding
                    + " must be non-negative and smaller than either stride " + b.stride + " or dilation " + b.dilation);
        }
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernelSize = b.kernelSize;
        this.stride = b.stride;
        this.padding = b.padding;
        this.outputPadding = b.outputPadding;
        this.dilation = b.dilation;
        this.groups = b.groups;
        this.hasBias = b.bias;
        long[] shape = {inChannels, outChannels / groups, kernelSize, kernelSize};
        registerParameter("weight", Initializers.kaimingUniformDefault(shape));
        if (hasBias) {
            registerParameter("bias", Initializers.uniform(1.0 / Math.sqrt(Initializers.fanIn(shape)), outChannels));
        }
    }

    /** A builder of a transposed convolution of {@code in} to {@code out} channels with a square kernel; {@code opt…} for the rest. */
    public static Builder builder(long inChannels, long outChannels, long kernelSize) {
        return new Builder(inChannels, outChannels, kernelSize);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return convTranspose2d(input, parametrized("weight"), hasBias ? parametrized("bias") : null, stride, padding, outputPadding,
                dilation, groups);
    }

    /**
     * The functional twin, {@code F.conv_transpose2d} with square stride, padding, output padding and
     * dilation; {@code bias} may be null. libtorch's own {@code conv_transpose2d}: its float32 oneDNN path is
     * wrong on this project's CPUs (e.g. [2,5,4,4] ∗ [5,5,3,3] at stride 1 summed to 14310 where PyTorch gives
     * 42930), which is why {@link dev.shrink4j.nn.NativeDefaults} switches oneDNN off before this class (a
     * {@code Module}) is initialised; the native path agrees with PyTorch ({@code ConvTranspose2dTest}).
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, long stride, long padding, long outputPadding,
            long dilation, long groups) {
        return torch.conv_transpose2d(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias),
                new long[] {stride, stride}, new long[] {padding, padding}, new long[] {outputPadding, outputPadding}, groups,
                dilation, dilation);
    }

    public long inChannels() {
        return inChannels;
    }

    public long outChannels() {
        return outChannels;
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + pythonTuple(kernelSize, kernelSize) + ", stride="
                + pythonTuple(stride, stride) + (padding != 0 ? ", padding=" + pythonTuple(padding, padding) : "")
                + (outputPadding != 0 ? ", output_padding=" + pythonTuple(outputPadding, outputPadding) : "")
                + (dilation != 1 ? ", dilation=" + pythonTuple(dilation, dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "") + (hasBias ? "" : ", bias=False");
    }

    /**
     * Builder for {@link ConvTranspose2d}: the channels and kernel are given to {@link #builder}, the
     * {@link ConvolutionBuilder} options and the output padding are optional.
     */
    public static final class Builder extends ConvolutionBuilder<Builder> {
        private final long inChannels;
        private final long outChannels;
        private final long kernelSize;
        private long outputPadding;

        private Builder(long inChannels, long outChannels, long kernelSize) {
            this.inChannels = inChannels;
            this.outChannels = outChannels;
            this.kernelSize = kernelSize;
        }

        @Override
        Builder self() {
            return this;
        }

        /** Extra rows and columns at the bottom and right of the output (default 0). */
        public Builder optOutputPadding(long p) {
            this.outputPadding = p;
            return this;
        }

        /** The layer. */
        public ConvTranspose2d build() {
            return new ConvTranspose2d(this);
        }
    }
}
