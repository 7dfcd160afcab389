package dev.shrink4j.cli.command;

import dev.shrink4j.algorithms.AlgorithmRegistry;

/**
 * The top-level command that the subcommands belong to, as they see it (picocli injects it as their
 * parent command): the algorithms config files may name.
 */
public interface CommandRoot {

    /** The algorithms config files may name. */
    AlgorithmRegistry registry();
}
