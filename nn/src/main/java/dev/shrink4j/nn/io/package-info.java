/**
 * Files: crash-safe writes ({@link dev.shrink4j.nn.io.AtomicFiles}) and the safetensors format
 * ({@link dev.shrink4j.nn.io.SafeTensors}), the interchange format for state dicts that Python's
 * {@code safetensors} package reads and writes byte for byte.
 */
package dev.shrink4j.nn.io;
