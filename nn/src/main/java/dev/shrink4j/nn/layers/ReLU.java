package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code max(x, 0)} ({@code nn.ReLU}). A module so activation collectors can hook it. */
public class ReLU extends Module {

    @Override
    protected Tensor forward(Tensor input) {
        return torch.relu(input);
    }
}
