package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code 1 / (1 + exp(-x))} ({@code nn.Sigmoid}, ONNX {@code Sigmoid}). */
public class Sigmoid extends Module implements ChannelwiseLayer {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.sigmoid(input);
    }

    @Override
    public String toString() {
        return "Sigmoid()";
    }

    /** Always: an element-wise function. */
    @Override
    public boolean preservesChannels() {
        return true;
    }
}
