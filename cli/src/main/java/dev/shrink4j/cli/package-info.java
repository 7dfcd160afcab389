/**
 * The {@code shrink4j} command line ({@link dev.shrink4j.cli.Shrink4j}): option parsing, exit codes,
 * dataset and model selection. Subcommands live in {@code command}, the algorithm registry and
 * config files in {@code algo}, run reports in {@code report}.
 */
package dev.shrink4j.cli;
