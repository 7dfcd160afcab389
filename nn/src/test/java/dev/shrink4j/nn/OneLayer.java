package dev.shrink4j.nn;

import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.Tensor;

/**
 * The smallest model a compressor can wrap: one layer, registered under a name, whose forward is the
 * layer's. Shared by the tests of every module through nn's test jar.
 *
 * <pre>{@code
 * try (OneLayer<Linear> model = OneLayer.linear(4, 2)) {   // state dict: fc.weight, fc.bias
 *     model.layer.weight() ...
 * }
 * }</pre>
 *
 * @param <L> the layer's type
 */
public final class OneLayer<L extends Module> extends Module {

    /** The layer. */
    public final L layer;

    /** A model of {@code layer} registered as {@code name}. */
    public OneLayer(String name, L layer) {
        this.layer = registerModule(name, layer);
    }

    /** A {@code Linear(in, out)} registered as {@code "fc"}. */
    public static OneLayer<Linear> linear(long in, long out) {
        return new OneLayer<>("fc", new Linear(in, out));
    }

    @Override
    protected Tensor forward(Tensor x) {
        return layer.call(x);
    }
}
