/**
 * Importance criteria: how important each weight or output unit of a layer is, as a pure function of
 * the layer's weight, its current mask and collected statistics ({@link dev.shrink4j.prune.importance.Importance},
 * fed an {@link dev.shrink4j.prune.importance.ImportanceInput}). Each declares its
 * {@link dev.shrink4j.prune.importance.Granularity}: element scores shaped like the weight
 * ({@link dev.shrink4j.prune.importance.Importances#MAGNITUDE}) or one score per output unit
 * ({@link dev.shrink4j.prune.importance.Importances#L1_FILTER_NORM}, {@code L2_FILTER_NORM}, {@code FPGM},
 * {@code BATCH_NORM_SCALE}, and the collected activation or Taylor scores of
 * {@link dev.shrink4j.prune.importance.CollectedChannelImportance}).
 *
 * <p>An importance never counts or masks: {@code dev.shrink4j.prune.allocate} turns its scores into masks,
 * per layer, globally or per dependency group.
 */
package dev.shrink4j.prune.importance;
