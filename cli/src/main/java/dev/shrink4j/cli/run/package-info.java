/**
 * What a command runs: models and datasets picked by name, the config check against a model, the
 * training steps (which hand a compressor to the library's {@code dev.shrink4j.algorithms.run.ProtocolTrainer}
 * and add progress lines and report curves), pruning and quantization runs with their exports and
 * measurements, and the usage errors the command line reports in one line.
 */
package dev.shrink4j.cli.run;
