package dev.shrink4j.nn;

/**
 * A registration that can be undone: a forward hook, a pre-hook, a parametrization, an optimizer step
 * listener. Closing it removes what it registered; closing twice is harmless (PyTorch's
 * {@code RemovableHandle}).
 */
@FunctionalInterface
public interface HookHandle extends AutoCloseable {

    /** Removes the registration. Idempotent. */
    void remove();

    /** Same as {@link #remove()}, so handles work in try-with-resources. */
    @Override
    default void close() {
        remove();
    }
}
