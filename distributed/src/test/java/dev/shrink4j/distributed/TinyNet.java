package dev.shrink4j.distributed;

import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import org.bytedeco.pytorch.Tensor;

/**
 * A model small enough that 20 steps cost nothing: conv 1→4 3×3 (optionally batch norm) → ReLU → flatten →
 * linear 144→4, for 1×8×8 inputs; 4·9+4 + 144·4+4 = 620 parameters, so mask thresholds are far apart.
 */
final class TinyNet extends Module {

    final Conv2d conv = registerModule("conv", new Conv2d(1, 4, 3));
    final Module bn;
    final ReLU relu = registerModule("relu", new ReLU());
    final Flatten flatten = registerModule("flatten", new Flatten());
    final Linear fc = registerModule("fc", new Linear(4 * 6 * 6, 4));

    TinyNet(boolean batchNorm) {
        bn = registerModule("bn", batchNorm ? new BatchNorm2d(4) : new Identity());
    }

    @Override
    protected Tensor forward(Tensor x) {
        return fc.call(flatten.call(relu.call(bn.call(conv.call(x)))));
    }
}
