/** The picocli option groups the subcommands share: seed and threads, data, model, output, fine-tuning. */
package dev.shrink4j.cli.options;
