package dev.shrink4j.onnx.layers;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code x · relu6(x + 3) / 6} ({@code nn.Hardswish}, ONNX {@code HardSwish}). */
public class HardSwish extends ChannelwiseActivation {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.hardswish(input);
    }
}
