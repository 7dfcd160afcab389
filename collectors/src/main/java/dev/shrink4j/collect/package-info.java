/**
 * Activation collectors: {@link dev.shrink4j.compress.ActivationCollector}s that watch wrapped
 * layers and keep per-channel running statistics (never lists of per-batch tensors), read by the
 * data-driven pruners.
 *
 * <ul>
 *   <li>{@link dev.shrink4j.collect.MeanActivationCollector}: mean of {@code activation(output)} per
 *       output channel;</li>
 *   <li>{@link dev.shrink4j.collect.ApozCollector}: average percentage of zeros of
 *       {@code activation(output)} per output channel;</li>
 *   <li>{@link dev.shrink4j.collect.TaylorScoreCollector}: per-filter first-order Taylor importance
 *       {@code Σ (W·∂L/∂W)²}, accumulated from weights and gradients.</li>
 * </ul>
 *
 * <p>Statistics are Java {@code double} arrays updated once per batch: a batch's per-channel sums are
 * reduced by libtorch in double precision inside a private pointer scope and added on the Java side,
 * so a collector owns no native memory and its state survives every step scope.
 */
package dev.shrink4j.collect;
