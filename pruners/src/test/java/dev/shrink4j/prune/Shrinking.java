package dev.shrink4j.prune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.Module;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Checks that a pruner's masks become a smaller model computing what the masked model computes. */
final class Shrinking {

    private Shrinking() {
    }

    /**
     * Multiplies {@code net}'s parameters by {@code masks} (the masked model, as graph's ModelSpeedupTest builds it),
     * applies {@link ModelSpeedup} and asserts that the eval-mode outputs on a random batch of 4 CIFAR images agree to
     * 1e-4 (max abs) and that the model lost parameters.
     *
     * @param masks copies of the pruner's masks ({@code <layer>.weight_mask}, {@code <layer>.bias_mask}), taken before
     *              the pruner was closed
     */
    static SpeedupResult assertShrinksAsMasked(Module net, Map<String, Tensor> masks) {
        try (NoGradGuard g = new NoGradGuard()) {
            Map<String, Tensor> params = net.namedParameters();
            masks.forEach((k, mask) -> params.get(k.substring(0, k.length() - "_mask".length())).mul_(mask));
            Tensor x = torch.randn(4, 3, 32, 32);
            Tensor masked = net.call(x);
            long before = net.parameterCount();
            SpeedupResult r = ModelSpeedup.apply(net, torch.zeros(1, 3, 32, 32), masks);
            double diff = masked.sub(net.call(x)).abs().max().item_double();
            assertTrue(diff < 1e-4, "max |masked - shrunk| = " + diff);
            assertTrue(net.parameterCount() < before, r.summary());
            return r;
        }
    }
}
