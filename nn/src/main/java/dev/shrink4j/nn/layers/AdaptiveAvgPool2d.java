package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Average pooling to a fixed output size ({@code nn.AdaptiveAvgPool2d}) whatever the input size;
 * {@code AdaptiveAvgPool2d(1)} is global average pooling.
 */
public class AdaptiveAvgPool2d extends Module {

    private final long outH;
    private final long outW;

    /** A square {@code size × size} output. */
    public AdaptiveAvgPool2d(long size) {
        this(size, size);
    }

    /** An {@code outH × outW} output. */
    public AdaptiveAvgPool2d(long outH, long outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: output size must be positive, got (" + outH + ", " + outW + ")");
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return torch.adaptive_avg_pool2d(input, outH, outW);
    }

    /** The output size {@code {H, W}}. */
    public long[] outputSize() {
        return new long[] {outH, outW};
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + (outH == outW ? Long.toString(outH) : pythonTuple(outH, outW));
    }
}
