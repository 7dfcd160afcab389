package dev.shrink4j.onnx.layers;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code 1 / (1 + exp(-x))} ({@code nn.Sigmoid}, ONNX {@code Sigmoid}). */
public class Sigmoid extends ChannelwiseActivation {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.sigmoid(input);
    }
}
