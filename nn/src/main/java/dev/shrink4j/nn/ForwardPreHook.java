package dev.shrink4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Runs before {@link Module#forward}. Returns the input that forward receives: the given input to
 * leave it alone, or a replacement (e.g. a fake-quantized input).
 */
@FunctionalInterface
public interface ForwardPreHook {

    /**
     * @param module the module about to run
     * @param input  its input
     * @return the input to pass on; never null
     */
    Tensor apply(Module module, Tensor input);
}
