package dev.shrink4j.workbench.zoo;

/**
 * How a CIFAR {@link ResNet}'s {@link BasicBlock} matches its shortcut to the residual branch when the
 * stride or the channel count changes (He et al. 2016, section 4.2). Blocks whose shapes already match
 * always use the identity.
 */
public enum ShortcutOption {

    /**
     * Parameter-free: subsample {@code x[:, :, ::stride, ::stride]} and zero-pad the new channels, half
     * before and half after ({@link PadShortcut}); what the paper uses for CIFAR, and akamaster's
     * {@code LambdaLayer}.
     */
    A,

    /** Projection: a 1×1 convolution with the block's stride, no bias, followed by batch norm. */
    B
}
