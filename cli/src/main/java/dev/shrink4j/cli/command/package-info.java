/** The subcommands of {@code shrink4j}: each one picocli command class. */
package dev.shrink4j.cli.command;
