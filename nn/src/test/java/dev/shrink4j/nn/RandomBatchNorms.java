package dev.shrink4j.nn;

import dev.shrink4j.nn.layers.BatchNorm;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * Random batch-norm state for tests that remove channels (the nn test-jar): with non-trivial running
 * statistics, γ and β, a removed channel's output is zero only because its mask made it so.
 */
public final class RandomBatchNorms {

    private RandomBatchNorms() {
    }

    /**
     * Draws, from the global generator and in module order, for every {@link BatchNorm} of {@code model}:
     * {@code running_mean ~ N(0, 0.5)}, {@code running_var ~ U(0.5, 2)}, {@code γ ~ U(minGamma, 1.5)},
     * {@code β ~ N(0, 0.5)}.
     */
    public static void randomize(Module model, double minGamma) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Module m : model.namedModules().values()) {
                if (m instanceof BatchNorm bn) {
                    bn.runningMean().normal_(0.0, 0.5, new GeneratorOptional());
                    bn.runningVar().uniform_(0.5, 2.0, new GeneratorOptional());
                    bn.weight().uniform_(minGamma, 1.5, new GeneratorOptional());
                    bn.bias().normal_(0.0, 0.5, new GeneratorOptional());
                }
            }
        }
    }
}
