/**
 * Measuring native memory. Tensors live outside the Java heap, so the JVM's own statistics miss
 * them; {@link dev.shrink4j.nn.memory.MemoryProbe} reads what the operating system charges to the
 * process, which is what leak tests bound.
 */
package dev.shrink4j.nn.memory;
