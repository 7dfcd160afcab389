package dev.shrink4j.graph;

/**
 * Which channel dimension of a layer a {@link GroupMember} is: Torch-Pruning's
 * {@code prune_out_channels}/{@code prune_in_channels}.
 */
public enum ChannelDim {

    /**
     * The output channels: {@code weight} rows (dimension 0) and {@code bias} of a {@code Conv2d} or
     * {@code Linear}; every per-channel tensor of a {@code BatchNorm} (whose input and output channels are the
     * same); both sides of a depthwise convolution; the output of a {@code ChannelPad}.
     */
    OUT,

    /** The input channels: {@code weight} dimension 1 of a {@code Conv2d} ({@code groups == 1}) or {@code Linear}. */
    IN
}
