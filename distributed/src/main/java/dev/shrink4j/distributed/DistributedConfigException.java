package dev.shrink4j.distributed;

import java.util.Objects;

/**
 * A bad distributed setting: a {@code WORLD_SIZE} of 0, a {@code RANK} outside the world, a master
 * that does not answer, a {@code MASTER_PORT} already in use. The message names the setting and its
 * value in one line (the command line prints it and exits with code 2); {@link #setting()} names the
 * setting alone, as torchrun's environment variable ({@code MASTER_ADDR}, {@code MASTER_PORT},
 * {@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}) or {@code timeout}.
 */
public class DistributedConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String setting;

    /**
     * @param setting the culprit, e.g. {@code WORLD_SIZE}
     * @param message one line naming the setting, its value and what was expected
     */
    public DistributedConfigException(String setting, String message) {
        super(message);
        this.setting = Objects.requireNonNull(setting, "setting");
    }

    /** The same, with the library error that revealed the problem. */
    public DistributedConfigException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = Objects.requireNonNull(setting, "setting");
    }

    /** The setting at fault, e.g. {@code MASTER_PORT}. */
    public String setting() {
        return setting;
    }
}
