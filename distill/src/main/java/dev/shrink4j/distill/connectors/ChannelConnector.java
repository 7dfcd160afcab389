package dev.shrink4j.distill.connectors;

import org.bytedeco.pytorch.Tensor;

/** A connector whose first layer is a convolution: it takes feature maps {@code [N, in_channel, H, W]}. */
abstract class ChannelConnector extends Connector {

    private final long inChannel;

    ChannelConnector(String type, long inChannel) {
        super(type);
        this.inChannel = inChannel;
    }

    /** The channels the connector takes. */
    public final long inChannel() {
        return inChannel;
    }

    @Override
    public final String inputProblem(Tensor input) {
        return channelProblem(input, inChannel);
    }
}
