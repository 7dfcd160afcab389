package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Option-A shortcut of a CIFAR ResNet block: keeps every {@code stride}-th row and column
 * ({@code x[:, :, ::stride, ::stride]}) and zero-pads the channel dimension from {@code inPlanes} to
 * {@code planes}, {@code (planes - inPlanes) / 2} channels before and the rest after. For the usual
 * doubling ({@code planes = 2 * inPlanes}, stride 2) this is exactly akamaster's
 * {@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes//4, planes//4))}. No parameters.
 */
public class PadShortcut extends Module {

    private final long inPlanes;
    private final long planes;
    private final long stride;

    /** A shortcut from {@code inPlanes} to {@code planes} channels subsampling by {@code stride}. */
    public PadShortcut(long inPlanes, long planes, long stride) {
        if (planes < inPlanes || stride < 1) {
            throw new IllegalArgumentException("PadShortcut can only add channels with stride >= 1; got inPlanes="
                    + inPlanes + " planes=" + planes + " stride=" + stride);
        }
        this.inPlanes = inPlanes;
        this.planes = planes;
        this.stride = stride;
    }

    @Override
    protected Tensor forward(Tensor x) {
        Tensor sub = x;
        if (stride > 1) {
            sub = x.slice(2, new LongOptional(), new LongOptional(), stride)
                    .slice(3, new LongOptional(), new LongOptional(), stride);
        }
        long before = (planes - inPlanes) / 2;
        long after = planes - inPlanes - before;
        // constant_pad_nd pads from the last dimension backwards: (W, W, H, H, C, C).
        return before == 0 && after == 0 ? sub : torch.constant_pad_nd(sub, 0, 0, 0, 0, before, after);
    }

    @Override
    public String toString() {
        return "PadShortcut(" + inPlanes + ", " + planes + ", stride=" + stride + ")";
    }
}
