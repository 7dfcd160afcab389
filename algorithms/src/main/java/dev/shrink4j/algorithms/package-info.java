/**
 * The algorithms config files can name, and config files themselves: a config file names an algorithm
 * ({@code {"pruner": "level", "config_list": [...]}}), {@link dev.shrink4j.algorithms.CompressionConfig}
 * checks it, and the algorithm's {@link dev.shrink4j.algorithms.AlgorithmSpec} (one registry entry) builds
 * the compressor. {@link dev.shrink4j.algorithms.AlgorithmRegistry#load()} collects every
 * {@link dev.shrink4j.algorithms.AlgorithmProvider} on the class path ({@link java.util.ServiceLoader}),
 * so a jar can add algorithms without touching shrink4j.
 */
package dev.shrink4j.algorithms;
