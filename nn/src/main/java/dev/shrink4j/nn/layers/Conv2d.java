package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Initializers;
import dev.shrink4j.nn.Module;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * 2-D convolution ({@code nn.Conv2d}): parameters {@code weight} of shape
 * {@code [out, in/groups, kH, kW]} and optional {@code bias [out]}, PyTorch's default
 * initialisation. {@code groups == in == out} makes a depthwise convolution.
 */
public class Conv2d extends Module {

    private long inChannels;
    private long outChannels;
    private final long[] kernelSize;
    private final long[] stride;
    private final long[] padding;
    private final long[] dilation;
    private long groups;
    private final boolean hasBias;

    /** A stride-1, unpadded, biased convolution with a square kernel. */
    public Conv2d(long inChannels, long outChannels, long kernelSize) {
        this(builder().setInChannels(inChannels).setOutChannels(outChannels).setKernelSize(kernelSize));
    }

    /** See {@link #builder()}. */
    protected Conv2d(Builder b) {
        if (b.groups <= 0) {
            throw new IllegalArgumentException("groups must be positive, got " + b.groups);
        }
        if (b.inChannels <= 0 || b.outChannels <= 0 || b.kernelSize == null) {
            throw new IllegalArgumentException("Conv2d needs inChannels, outChannels and kernelSize; got in="
                    + b.inChannels + " out=" + b.outChannels + " kernel=" + (b.kernelSize == null ? "unset" : "set"));
        }
        if (b.inChannels % b.groups != 0 || b.outChannels % b.groups != 0) {
            throw new IllegalArgumentException("Conv2d: in_channels " + b.inChannels + " and out_channels "
                    + b.outChannels + " must both be divisible by groups " + b.groups);
        }
        this.inChannels = b.inChannels;
        this.outChannels = b.outChannels;
        this.kernelSize = b.kernelSize;
        this.stride = new long[] {b.stride, b.stride};
        this.padding = new long[] {b.padding, b.padding};
        this.dilation = new long[] {b.dilation, b.dilation};
        this.groups = b.groups;
        this.hasBias = b.bias;
        long[] shape = {outChannels, inChannels / groups, kernelSize[0], kernelSize[1]};
        registerParameter("weight", Initializers.kaimingUniformDefault(shape));
        if (hasBias) {
            registerParameter("bias", Initializers.uniform(1.0 / Math.sqrt(Initializers.fanIn(shape)), outChannels));
        }
    }

    /** A builder: {@code set…} for required values, {@code opt…} for optional ones. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected Tensor forward(Tensor input) {
        return conv2d(input, parametrized("weight"), hasBias ? parametrized("bias") : null,
                stride, padding, dilation, groups);
    }

    /** The functional twin: {@code F.conv2d}; {@code bias} may be null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding, long[] dilation,
            long groups) {
        return torch.conv2d(x, weight, bias == null ? new TensorOptional() : new TensorOptional(bias),
                stride, padding, dilation, groups);
    }

    /**
     * Keeps only the given channels (physical pruning): {@code weight} becomes
     * {@code weight[outChannels][:, inChannels]} and {@code bias} {@code bias[outChannels]}, in place (the
     * parameters keep their identity, see {@link Module#replaceData}). A depthwise convolution
     * ({@code groups == in == out}) keeps the same channels on both sides: give the same indices (or null
     * for one of them) and {@code groups} becomes their number.
     *
     * @param keptOut the output channels to keep, strictly ascending; null keeps all
     * @param keptIn  the input channels to keep, strictly ascending; null keeps all
     * @throws IllegalArgumentException for indices out of range, not ascending, empty, or different on the two
     *                                  sides of a depthwise convolution
     * @throws IllegalStateException    for a grouped convolution that is not depthwise, or a parametrized weight
     */
    public void keepChannels(long[] keptOut, long[] keptIn) {
        String what = toString();
        if (keptOut != null) {
            ChannelIndices.check(what + " output channels", keptOut, outChannels);
        }
        if (keptIn != null) {
            ChannelIndices.check(what + " input channels", keptIn, inChannels);
        }
        boolean depthwise = groups > 1 && groups == inChannels && groups == outChannels;
        if (groups > 1 && !depthwise && (keptOut != null || keptIn != null)) {
            throw new IllegalStateException(what + ": a grouped convolution that is not depthwise cannot change its channels");
        }
        long[] out = keptOut;
        long[] in = keptIn;
        if (depthwise) {
            if (out != null && in != null && !java.util.Arrays.equals(out, in)) {
                throw new IllegalArgumentException(what + " is depthwise: it keeps the same input and output channels,"
                        + " got " + out.length + " outputs and " + in.length + " inputs that differ");
            }
            out = out != null ? out : in;
            in = out;
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            // a depthwise weight is [C, 1, kH, kW]: its input side is the output side
            replaceData("weight", ChannelIndices.select(weight(), out, depthwise ? null : in));
            if (hasBias && out != null) {
                replaceData("bias", ChannelIndices.select(bias(), out, null));
            }
        }
        outChannels = out != null ? out.length : outChannels;
        inChannels = in != null ? in.length : inChannels;
        groups = depthwise ? outChannels : groups;
    }

    /** The stored weight parameter {@code [out, in/groups, kH, kW]}. */
    public Tensor weight() {
        return getParameter("weight");
    }

    /** The stored bias parameter, or null without bias. */
    public Tensor bias() {
        return getParameter("bias");
    }

    public long inChannels() {
        return inChannels;
    }

    public long outChannels() {
        return outChannels;
    }

    public long[] kernelSize() {
        return kernelSize.clone();
    }

    public long[] stride() {
        return stride.clone();
    }

    public long[] padding() {
        return padding.clone();
    }

    public long[] dilation() {
        return dilation.clone();
    }

    public long groups() {
        return groups;
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel_size=" + pythonTuple(kernelSize) + ", stride="
                + pythonTuple(stride) + ", padding=" + pythonTuple(padding)
                + (dilation[0] != 1 || dilation[1] != 1 ? ", dilation=" + pythonTuple(dilation) : "")
                + (groups != 1 ? ", groups=" + groups : "") + (hasBias ? "" : ", bias=False");
    }

    /** Builder for {@link Conv2d}: the channels and kernel size are required, the {@link ConvolutionBuilder} options optional. */
    public static final class Builder extends ConvolutionBuilder<Builder> {
        private long inChannels;
        private long outChannels;
        private long[] kernelSize;

        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        public Builder setInChannels(long in) {
            this.inChannels = in;
            return this;
        }

        public Builder setOutChannels(long out) {
            this.outChannels = out;
            return this;
        }

        public Builder setKernelSize(long k) {
            return setKernelSize(k, k);
        }

        public Builder setKernelSize(long kh, long kw) {
            this.kernelSize = new long[] {kh, kw};
            return this;
        }

        public Conv2d build() {
            return new Conv2d(this);
        }
    }
}
