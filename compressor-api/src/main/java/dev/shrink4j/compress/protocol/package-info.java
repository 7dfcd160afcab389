/**
 * The training protocol: what a training loop does for a compressor beyond {@code compress()} and the
 * optimizer-step hooks it installs. A compressor implements the interfaces that apply —
 * {@link dev.shrink4j.compress.protocol.DataDriven} (statistics batches),
 * {@link dev.shrink4j.compress.protocol.Iterative} (training rounds),
 * {@link dev.shrink4j.compress.protocol.Scheduled} (ticks within an epoch),
 * {@link dev.shrink4j.compress.protocol.Restructuring} (layers replaced: a new optimizer, its own saver) — and a loop asks
 * {@code instanceof}, never a concrete class. A compressor with none of them is weight-based: a loop
 * calls {@code updateEpoch(epoch)} at each epoch start.
 */
package dev.shrink4j.compress.protocol;
