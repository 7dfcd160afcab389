/**
 * Training and evaluation loops: {@link dev.shrink4j.workbench.train.Trainer} runs epochs over a
 * {@link dev.shrink4j.workbench.data.DataLoader}, one {@code PointerScope} per step, and tells its
 * {@link dev.shrink4j.workbench.train.TrainingListener}s (progress bar, compressors' epoch counters,
 * checkpoints); {@link dev.shrink4j.workbench.train.Evaluator} measures loss and top-1 accuracy in eval mode
 * without gradients.
 */
package dev.shrink4j.workbench.train;
