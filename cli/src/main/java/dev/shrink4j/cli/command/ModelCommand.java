package dev.shrink4j.cli.command;

import dev.shrink4j.cli.options.DataOptions;
import dev.shrink4j.cli.options.ModelOptions;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that works on a zoo model ({@code train}, {@code prune}, {@code quantize}): the dataset
 * options and the required {@code --arch}. picocli reads the annotated fields of superclasses first; the help
 * lists the options in alphabetical order wherever they are declared, but "Missing required options" names
 * them in declaration order, so each command declares its own required options after these (and
 * {@code --out} last).
 */
abstract class ModelCommand extends Subcommand {

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;
}
