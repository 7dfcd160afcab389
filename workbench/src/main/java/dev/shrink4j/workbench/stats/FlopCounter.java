package dev.shrink4j.workbench.stats;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Counts the operations of one call of a layer from its input and output, as a forward hook sees
 * them. {@link ModelProfiler#defaultCounters()} holds the built-in conventions; register others with
 * {@link ModelProfiler#withCounter(Class, FlopCounter)}.
 */
@FunctionalInterface
public interface FlopCounter {

    /**
     * @param module the layer that ran
     * @param input  its input
     * @param output its output
     * @return the operations of this call (for the whole batch)
     */
    long count(Module module, Tensor input, Tensor output);
}
