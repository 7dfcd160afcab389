package dev.shrink4j.cli.run;

import dev.shrink4j.compress.config.ConfigException;

/** How the command line prints messages: one line each. */
public final class Messages {

    private Messages() {
    }

    /**
     * The message folded into one line (multi-line messages list problems; they are joined with "; "), as a
     * config's problems are ({@link ConfigException#oneLine}).
     */
    public static String oneLine(String message) {
        return ConfigException.oneLine(message);
    }
}
