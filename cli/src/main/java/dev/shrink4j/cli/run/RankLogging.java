package dev.shrink4j.cli.run;

import dev.shrink4j.distributed.DistributedSettings;
import java.util.Map;

/**
 * Rank 0 logs for a data-parallel run: a process whose {@code RANK} is 1 or above logs warnings and
 * errors only (slf4j-simple's default level), unless the user chose a level with
 * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel}. Its own class, without a logger, because slf4j-simple
 * reads the level once, when the first logger is created: {@code main} calls it before any.
 */
public final class RankLogging {

    /** slf4j-simple's property for the default level. */
    public static final String LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    private RankLogging() {
    }

    /** Sets the default level to {@code warn} when {@code env}'s {@code RANK} is set and not 0 and no level was chosen. */
    public static void quietOffMain(Map<String, String> env) {
        String rank = env.get(DistributedSettings.RANK);
        if (rank != null && !rank.strip().equals("0") && System.getProperty(LEVEL_PROPERTY) == null) {
            System.setProperty(LEVEL_PROPERTY, "warn");
        }
    }
}
