package dev.shrink4j.quant.algo;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Linear;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** A model holding one bias-free {@link Linear} named {@code fc}, with given weights. */
final class OneLinear extends Module {
    final Linear fc;

    OneLinear(int in, int out, float[] weight) {
        fc = registerModule("fc", new Linear(in, out, false));
        try (NoGradGuard g = new NoGradGuard()) {
            fc.weight().copy_(Tensor.create(weight, out, in));
        }
    }

    @Override
    protected Tensor forward(Tensor x) {
        return fc.call(x);
    }

}
