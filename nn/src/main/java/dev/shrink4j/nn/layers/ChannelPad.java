package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import java.util.Arrays;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Subsamples the spatial dimensions and zero-pads the channel dimension of an {@code [N, C, H, W]} tensor:
 * {@code x[:, :, ::stride, ::stride]} with {@code before} zero channels in front and {@code after} behind,
 * so input channel {@code c} becomes output channel {@code before + c}. The parameter-free "option A"
 * shortcut of CIFAR ResNets is this glue (akamaster's {@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p))}).
 * No parameters; the widths are part of the module, so a model-graph tracer reads the channel mapping
 * from it.
 */
public class ChannelPad extends Module {

    private final long stride;
    private long inChannels;
    private long before;
    private long after;

    /**
     * @param inChannels the channels expected at the input
     * @param before     zero channels added in front
     * @param after      zero channels added behind
     * @param stride     the spatial subsampling step (1 keeps every row and column)
     */
    public ChannelPad(long inChannels, long before, long after, long stride) {
        if (stride < 1) {
            throw new IllegalArgumentException(typeName() + ": stride must be at least 1, got " + stride);
        }
        checkWidths(inChannels, before, after);
        this.stride = stride;
        this.inChannels = inChannels;
        this.before = before;
        this.after = after;
    }

    private void checkWidths(long in, long pre, long post) {
        if (in <= 0 || pre < 0 || post < 0) {
            throw new IllegalArgumentException(typeName() + " needs inChannels > 0 and before, after >= 0; got inChannels="
                    + in + " before=" + pre + " after=" + post);
        }
    }

    @Override
    protected Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != inChannels) {
            throw new IllegalArgumentException(typeName() + " expects [N, " + inChannels + ", H, W], got "
                    + Arrays.toString(x.shape()));
        }
        Tensor sub = x;
        if (stride > 1) {
            sub = x.slice(2, new LongOptional(), new LongOptional(), stride)
                    .slice(3, new LongOptional(), new LongOptional(), stride);
        }
        // constant_pad_nd pads from the last dimension backwards: (W, W, H, H, C, C).
        return before == 0 && after == 0 ? sub : torch.constant_pad_nd(sub, 0, 0, 0, 0, before, after);
    }

    /**
     * Changes the widths after the model was built (physical pruning removes channels on both sides of the
     * shortcut): the module then expects {@code inChannels} and emits {@code before + inChannels + after}.
     */
    public void setWidths(long inChannels, long before, long after) {
        checkWidths(inChannels, before, after);
        this.inChannels = inChannels;
        this.before = before;
        this.after = after;
    }

    /** The channels expected at the input. */
    public long inChannels() {
        return inChannels;
    }

    /** The channels of the output: {@code before + inChannels + after}. */
    public long outChannels() {
        return before + inChannels + after;
    }

    /** Zero channels added in front. */
    public long before() {
        return before;
    }

    /** Zero channels added behind. */
    public long after() {
        return after;
    }

    /** The spatial subsampling step. */
    public long stride() {
        return stride;
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", before=" + before + ", after=" + after + ", stride=" + stride;
    }
}
