package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code x · relu6(x + 3) / 6} ({@code nn.Hardswish}, ONNX {@code HardSwish}). */
public class HardSwish extends Module implements ChannelwiseLayer {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.hardswish(input);
    }

    @Override
    public String toString() {
        return "HardSwish()";
    }

    /** Always: an element-wise function. */
    @Override
    public boolean preservesChannels() {
        return true;
    }
}
