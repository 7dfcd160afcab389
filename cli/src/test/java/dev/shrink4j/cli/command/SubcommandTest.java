package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SubcommandTest {

    @Test
    void argumentsAShellWouldSplitOrExpandAreSingleQuoted() {
        assertEquals("runs/demo-1.0", Subcommand.shellQuoted("runs/demo-1.0"));
        assertEquals("level,l1-filter", Subcommand.shellQuoted("level,l1-filter"));
        assertEquals("--lr=0.002", Subcommand.shellQuoted("--lr=0.002"));
        assertEquals("'my runs/demo'", Subcommand.shellQuoted("my runs/demo"));
        assertEquals("'it'\\''s'", Subcommand.shellQuoted("it's"));
        assertEquals("'$HOME'", Subcommand.shellQuoted("$HOME"));
        assertEquals("''", Subcommand.shellQuoted(""));
    }
}
