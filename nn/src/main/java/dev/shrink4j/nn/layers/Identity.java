package dev.shrink4j.nn.layers;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Returns its input ({@code nn.Identity}): a placeholder with no state, e.g. a residual block's
 * shortcut when shapes already match, which hooks can still observe.
 */
public class Identity extends Module {

    @Override
    protected Tensor forward(Tensor input) {
        return input;
    }
}
