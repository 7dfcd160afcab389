package dev.shrink4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Runs after {@link Module#forward}. Returns the output the caller receives: the given output to leave
 * it alone, or a replacement. Collectors read the output and return it unchanged.
 */
@FunctionalInterface
public interface ForwardHook {

    /**
     * @param module the module that ran
     * @param input  the input forward received (after pre-hooks)
     * @param output what forward returned
     * @return the output to pass on; never null
     */
    Tensor apply(Module module, Tensor input, Tensor output);
}
