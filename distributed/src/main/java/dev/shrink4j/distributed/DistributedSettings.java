package dev.shrink4j.distributed;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where a process stands in a data-parallel run and how to reach the others: torchrun's
 * environment ({@link #fromEnvironment}) or explicit options ({@link #builder()}). Rank 0 hosts the
 * rendezvous store on {@code masterAddress:masterPort}; every rank connects to it.
 *
 * <p>The values are checked on construction; a bad one is a {@link DistributedConfigException} naming
 * the setting by its environment variable, e.g. {@code WORLD_SIZE must be at least 1, got 0}.
 *
 * @param masterAddress the host of rank 0's rendezvous store ({@code MASTER_ADDR})
 * @param masterPort    its TCP port, 1–65535 ({@code MASTER_PORT})
 * @param rank          this process, {@code 0 … worldSize−1} ({@code RANK})
 * @param worldSize     the number of processes, at least 1 ({@code WORLD_SIZE})
 * @param localRank     this process among those on its machine ({@code LOCAL_RANK}), {@code 0 … worldSize−1}
 * @param timeout       the limit of the rendezvous and of every collective operation, positive
 */
public record DistributedSettings(String masterAddress, int masterPort, int rank, int worldSize, int localRank,
        Duration timeout) {

    /** torchrun's variable naming rank 0's host. */
    public static final String MASTER_ADDR = "MASTER_ADDR";
    /** torchrun's variable naming rank 0's store port. */
    public static final String MASTER_PORT = "MASTER_PORT";
    /** torchrun's variable naming this process's rank. */
    public static final String RANK = "RANK";
    /** torchrun's variable naming the number of processes. */
    public static final String WORLD_SIZE = "WORLD_SIZE";
    /** torchrun's variable naming this process's rank on its machine. */
    public static final String LOCAL_RANK = "LOCAL_RANK";
    /** The name of the timeout in messages (it has no torchrun variable). */
    public static final String TIMEOUT = "timeout";
    /** The default limit of the rendezvous and of every collective: 60 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Checks every value; see the class documentation. */
    public DistributedSettings {
        if (masterAddress == null || masterAddress.isBlank()) {
            throw new DistributedConfigException(MASTER_ADDR, MASTER_ADDR + " is empty; it names the host of rank 0");
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new DistributedConfigException(MASTER_PORT, MASTER_PORT + " " + masterPort + " is outside [1, 65535]");
        }
        if (worldSize < 1) {
            throw new DistributedConfigException(WORLD_SIZE, WORLD_SIZE + " must be at least 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new DistributedConfigException(RANK, RANK + " " + rank + " is outside [0, " + worldSize + ") for "
                    + WORLD_SIZE + " " + worldSize);
        }
        if (localRank < 0 || localRank >= worldSize) {
            throw new DistributedConfigException(LOCAL_RANK, LOCAL_RANK + " " + localRank + " is outside [0, " + worldSize
                    + ") for " + WORLD_SIZE + " " + worldSize);
        }
        Objects.requireNonNull(timeout, TIMEOUT);
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() == 0) {
            throw new DistributedConfigException(TIMEOUT, TIMEOUT + " must be at least 1 ms, got " + timeout);
        }
    }

    /**
     * Whether {@code env} describes a distributed run, i.e. sets {@value #WORLD_SIZE} or {@value #RANK}
     * (a command started by torchrun or {@code shrink4j launch}).
     */
    public static boolean isPresent(Map<String, String> env) {
        return env.containsKey(WORLD_SIZE) || env.containsKey(RANK);
    }

    /**
     * The settings torchrun gives a process: {@value #MASTER_ADDR}, {@value #MASTER_PORT},
     * {@value #RANK} and {@value #WORLD_SIZE} are required; {@value #LOCAL_RANK} defaults to
     * {@code RANK}; the timeout is {@link #DEFAULT_TIMEOUT} (change it with {@link #withTimeout}).
     *
     * @param env the environment, e.g. {@code System.getenv()}
     * @throws DistributedConfigException naming the first missing, malformed or out-of-range variable
     */
    public static DistributedSettings fromEnvironment(Map<String, String> env) {
        String address = required(env, MASTER_ADDR);
        int port = integer(env, MASTER_PORT);
        int worldSize = integer(env, WORLD_SIZE);
        int rank = integer(env, RANK);
        int localRank = env.containsKey(LOCAL_RANK) ? integer(env, LOCAL_RANK) : rank;
        return new DistributedSettings(address.strip(), port, rank, worldSize, localRank, DEFAULT_TIMEOUT);
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null) {
            throw new DistributedConfigException(name, name + " is not set; a distributed run needs " + MASTER_ADDR + ", "
                    + MASTER_PORT + ", " + RANK + " and " + WORLD_SIZE + " (torchrun sets them)");
        }
        return v;
    }

    private static int integer(Map<String, String> env, String name) {
        String v = required(env, name);
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new DistributedConfigException(name, name + " \"" + v + "\" is not an integer", e);
        }
    }

    /** The same settings with another timeout. */
    public DistributedSettings withTimeout(Duration timeout) {
        return new DistributedSettings(masterAddress, masterPort, rank, worldSize, localRank, timeout);
    }

    /** Whether this is rank 0, the process that logs and writes the output files. */
    public boolean isMain() {
        return rank == 0;
    }

    /** A builder: {@code setRank}, {@code setWorldSize} and {@code setMasterPort} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options for {@link DistributedSettings}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private String masterAddress = "127.0.0.1";
        private Integer masterPort;
        private Integer rank;
        private Integer worldSize;
        private Integer localRank;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {
        }

        /** Rank 0's host (default {@code 127.0.0.1}: all processes on this machine). */
        public Builder optMasterAddress(String masterAddress) {
            this.masterAddress = masterAddress;
            return this;
        }

        /** Rank 0's store port (required). */
        public Builder setMasterPort(int masterPort) {
            this.masterPort = masterPort;
            return this;
        }

        /** This process's rank (required). */
        public Builder setRank(int rank) {
            this.rank = rank;
            return this;
        }

        /** The number of processes (required). */
        public Builder setWorldSize(int worldSize) {
            this.worldSize = worldSize;
            return this;
        }

        /** This process's rank on its machine (default: the rank). */
        public Builder optLocalRank(int localRank) {
            this.localRank = localRank;
            return this;
        }

        /** The limit of the rendezvous and of every collective (default 60 s). */
        public Builder optTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * The settings.
         *
         * @throws DistributedConfigException naming the first missing or invalid setting
         */
        public DistributedSettings build() {
            requireSet(masterPort, MASTER_PORT, "setMasterPort");
            requireSet(worldSize, WORLD_SIZE, "setWorldSize");
            requireSet(rank, RANK, "setRank");
            return new DistributedSettings(masterAddress, masterPort, rank, worldSize, localRank == null ? rank : localRank,
                    timeout);
        }

        private static void requireSet(Integer value, String setting, String setter) {
            if (value == null) {
                throw new DistributedConfigException(setting, "DistributedSettings: " + setter + " is required (" + setting + ")");
            }
        }
    }
}
