package dev.shrink4j.cli.command;

/** The exit codes of {@code shrink4j}. */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** The run failed (a bug, out of memory, a native error). */
    public static final int FAILURE = 1;
    /** A usage or config mistake, reported in one line. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
