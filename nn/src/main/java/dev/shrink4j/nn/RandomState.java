package dev.shrink4j.nn;

import java.util.function.Supplier;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's global CPU random generator, saved and restored around work that must not change what a
 * seeded run draws next — e.g. building throw-away models to validate a config before training: their
 * random initialisation would otherwise shift every later draw (weights, shuffling, dropout) and so the
 * run's results.
 */
public final class RandomState {

    private RandomState() {
    }

    /**
     * Runs {@code work} and then puts the global CPU generator back in the state it had before, whether
     * {@code work} returns or throws.
     *
     * @return what {@code work} returned
     */
    public static <T> T preserving(Supplier<T> work) {
        Generator generator = torch.getDefaultCPUGenerator();
        Tensor saved = generator.get_state();
        try {
            return work.get();
        } finally {
            generator.set_state(saved);
            saved.close();
        }
    }
}
