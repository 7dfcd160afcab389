package dev.shrink4j.cli.command;

import picocli.CommandLine.Model.CommandSpec;

/** Small helpers the subcommands share. */
final class Commands {

    private Commands() {
    }

    /** The command line as typed, for reports: {@code shrink4j prune --arch lenet5 ...}. */
    static String commandLine(CommandSpec spec) {
        return spec.qualifiedName() + " " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }
}
