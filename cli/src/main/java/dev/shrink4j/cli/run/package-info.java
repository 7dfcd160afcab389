/**
 * What a command runs: models and datasets picked by name, compressors built from config files, the
 * training loop (which drives compressors through {@code dev.shrink4j.compress.protocol}), pruning and
 * quantization runs with their exports and measurements, and the usage errors the command line reports
 * in one line.
 */
package dev.shrink4j.cli.run;
