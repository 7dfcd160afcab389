/**
 * Recorders (MMRazor's design): they observe a model from outside while a recording context is open,
 * keeping every call's module output or input ({@link dev.shrink4j.distill.recorders.ModuleRecorder}), a parameter
 * ({@link dev.shrink4j.distill.recorders.ParameterRecorder}) or the task loss's inputs
 * ({@link dev.shrink4j.distill.recorders.TaskLossInputsRecorder}), read by {@code record_idx} and
 * {@code data_idx}; they attach and detach by handle.
 */
package dev.shrink4j.distill.recorders;
