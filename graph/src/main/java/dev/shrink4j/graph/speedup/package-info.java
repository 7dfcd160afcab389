/**
 * Physical speedup: {@link dev.shrink4j.graph.speedup.ModelSpeedup} turns pruning masks into a smaller model
 * through the {@linkplain dev.shrink4j.graph.DependencyGroups dependency groups} (reporting a
 * {@link dev.shrink4j.graph.speedup.SpeedupResult}, refusing bad masks with a
 * {@link dev.shrink4j.graph.speedup.SpeedupException} before anything changes);
 * {@link dev.shrink4j.graph.speedup.ChannelMasks} writes dependency-consistent channel masks.
 */
package dev.shrink4j.graph.speedup;
