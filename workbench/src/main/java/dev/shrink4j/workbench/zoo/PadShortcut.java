package dev.shrink4j.workbench.zoo;

import dev.shrink4j.nn.layers.ChannelPad;

/**
 * Option-A shortcut of a CIFAR ResNet block: keeps every {@code stride}-th row and column
 * ({@code x[:, :, ::stride, ::stride]}) and zero-pads the channel dimension from {@code inPlanes} to
 * {@code planes}, {@code (planes - inPlanes) / 2} channels before and the rest after. For the usual
 * doubling ({@code planes = 2 * inPlanes}, stride 2) this is exactly akamaster's
 * {@code F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes//4, planes//4))}. No parameters; a {@link ChannelPad},
 * so the model-graph tracer knows that input channel {@code c} is output channel {@code c + before}.
 */
public class PadShortcut extends ChannelPad {

    /** A shortcut from {@code inPlanes} to {@code planes} channels subsampling by {@code stride}. */
    public PadShortcut(long inPlanes, long planes, long stride) {
        super(checked(inPlanes, planes, stride), (planes - inPlanes) / 2, planes - inPlanes - (planes - inPlanes) / 2,
                stride);
    }

    private static long checked(long inPlanes, long planes, long stride) {
        if (planes < inPlanes || stride < 1) {
            throw new IllegalArgumentException("PadShortcut can only add channels with stride >= 1; got inPlanes="
                    + inPlanes + " planes=" + planes + " stride=" + stride);
        }
        return inPlanes;
    }

    @Override
    protected String extraRepr() {
        return inChannels() + ", " + outChannels() + ", stride=" + stride();
    }
}
