package dev.shrink4j.compress;

import dev.shrink4j.nn.HookHandle;

/**
 * Something that watches a wrapped layer while the model runs (activations, gradients) and keeps
 * running statistics. Register with {@link Compressor#addActivationCollector}, which attaches it to
 * every wrapper and returns an id; {@link Compressor#removeActivationCollector} closes the handles.
 * Implementations live in the {@code collectors} module.
 */
@FunctionalInterface
public interface ActivationCollector {

    /**
     * Starts collecting on one wrapped layer.
     *
     * @return a handle that stops collecting on that layer
     */
    HookHandle attach(ModuleWrapper wrapper);
}
