/**
 * The {@code shrink4j} command line ({@link dev.shrink4j.cli.Shrink4j}): the root command and how errors
 * become exit codes. Subcommands live in {@code command}, their shared options in {@code options}, what a
 * run does (models, data, compressors, training, measurements) in {@code run}, run reports in
 * {@code report}; the algorithm registry and config files are the library's ({@code dev.shrink4j.algorithms}).
 * The packages depend one way: root → command → options → run → report.
 */
package dev.shrink4j.cli;
