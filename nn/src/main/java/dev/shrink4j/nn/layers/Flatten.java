package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Flattens all dimensions after the batch dimension ({@code nn.Flatten()}). */
public class Flatten extends Module {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.flatten(input, 1, -1);
    }
}
