/**
 * Config files and the algorithm registry: a config file names an algorithm
 * ({@code {"pruner": "level", "config_list": [...]}}), {@link dev.shrink4j.cli.algo.CompressionConfig}
 * checks it, and the algorithm's {@link dev.shrink4j.cli.algo.AlgorithmSpec} (one registry entry)
 * builds the compressor and says how a training loop drives it.
 */
package dev.shrink4j.cli.algo;
