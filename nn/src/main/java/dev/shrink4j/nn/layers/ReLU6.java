package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code min(max(x, 0), 6)} ({@code nn.ReLU6}, i.e. {@code hardtanh(x, 0, 6)}), as MobileNetV2 uses it. */
public class ReLU6 extends Module {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.hardtanh(input, new Scalar(0.0), new Scalar(6.0));
    }
}
