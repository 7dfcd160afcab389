/**
 * Optimizers and learning-rate schedules over a module's parameters.
 *
 * <p>{@link dev.shrink4j.nn.optim.Sgd} and {@link dev.shrink4j.nn.optim.Adam} run libtorch's
 * implementations and match PyTorch's update rules; both have parameter groups with runtime learning
 * rates and a {@code resetState()} that forgets momentum and moments. Every
 * {@link dev.shrink4j.nn.optim.Optimizer} has a final {@code step()} that calls
 * {@link dev.shrink4j.nn.optim.StepListener}s before and after the update; compressors hook in there
 * (re-apply masks, count steps) and leave by closing the returned handle.
 * {@link dev.shrink4j.nn.optim.StepLr} and {@link dev.shrink4j.nn.optim.CosineAnnealingLr} are
 * closed-form {@link dev.shrink4j.nn.optim.LrScheduler}s with PyTorch's semantics.
 *
 * <p>Memory: an optimizer owns its native state (momentum buffers, Adam moments) and its option
 * objects; they survive any {@code PointerScope} and are released by {@code close()}. Parameters
 * remain owned by their modules.
 */
package dev.shrink4j.nn.optim;
