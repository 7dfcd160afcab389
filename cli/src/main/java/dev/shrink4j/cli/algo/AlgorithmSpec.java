package dev.shrink4j.cli.algo;

import dev.shrink4j.compress.Compressor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * One registry entry: an algorithm's name in config files, its kind, the options its config file may
 * carry, how to build it and how a training loop drives it.
 *
 * <pre>{@code
 * AlgorithmSpec.of("level", AlgorithmKind.PRUNER, "magnitude pruning of single weights",
 *         ctx -> new LevelPruner(ctx.model(), ctx.configList(), ctx.optimizer()));
 * }</pre>
 *
 * @param name        the config-file name ({@code "level"})
 * @param kind        pruner or quantizer
 * @param description one line for {@code --help} and errors
 * @param options     the allowed option keys and their JSON types
 * @param factory     builds the (not yet compressed) compressor
 * @param drivers     how training drives it, given the config file's options
 */
public record AlgorithmSpec(String name, AlgorithmKind kind, String description, Map<String, OptionType> options,
        Factory factory, Function<AlgorithmOptions, Driver> drivers) {

    /** Builds the compressor of an entry; {@code compress()} is called by the command line. */
    @FunctionalInterface
    public interface Factory {
        /** A new compressor over {@code ctx.model()}. */
        Compressor create(AlgorithmContext ctx);
    }

    /** Checks the fields and freezes the options. */
    public AlgorithmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(drivers, "drivers");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** An entry without options, driven as a weight-based algorithm. */
    public static AlgorithmSpec of(String name, AlgorithmKind kind, String description, Factory factory) {
        return new AlgorithmSpec(name, kind, description, Map.of(), factory, o -> Driver.WEIGHT_BASED);
    }

    /** This entry with one more allowed option. */
    public AlgorithmSpec withOption(String option, OptionType type) {
        Map<String, OptionType> more = new LinkedHashMap<>(options);
        more.put(option, type);
        return new AlgorithmSpec(name, kind, description, more, factory, drivers);
    }

    /** This entry with another driver. */
    public AlgorithmSpec withDriver(Driver newDriver) {
        Objects.requireNonNull(newDriver, "newDriver");
        return new AlgorithmSpec(name, kind, description, options, factory, o -> newDriver);
    }

    /** This entry with a driver that depends on the config file's options (such as a schedule). */
    public AlgorithmSpec withDriverOf(Function<AlgorithmOptions, Driver> newDrivers) {
        return new AlgorithmSpec(name, kind, description, options, factory, newDrivers);
    }

    /**
     * The driver for a config file's {@code options}.
     *
     * @throws dev.shrink4j.cli.UsageException when the options do not make a valid schedule
     */
    public Driver driver(AlgorithmOptions options) {
        return drivers.apply(options);
    }
}
