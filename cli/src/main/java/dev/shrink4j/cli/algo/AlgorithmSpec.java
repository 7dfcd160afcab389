package dev.shrink4j.cli.algo;

import dev.shrink4j.compress.Compressor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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
 * @param driver      how training drives it
 */
public record AlgorithmSpec(String name, AlgorithmKind kind, String description, Map<String, OptionType> options,
        Factory factory, Driver driver) {

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
        Objects.requireNonNull(driver, "driver");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** An entry without options, driven as a weight-based algorithm. */
    public static AlgorithmSpec of(String name, AlgorithmKind kind, String description, Factory factory) {
        return new AlgorithmSpec(name, kind, description, Map.of(), factory, Driver.WEIGHT_BASED);
    }

    /** This entry with one more allowed option. */
    public AlgorithmSpec withOption(String option, OptionType type) {
        Map<String, OptionType> more = new LinkedHashMap<>(options);
        more.put(option, type);
        return new AlgorithmSpec(name, kind, description, more, factory, driver);
    }

    /** This entry with another driver. */
    public AlgorithmSpec withDriver(Driver newDriver) {
        return new AlgorithmSpec(name, kind, description, options, factory, newDriver);
    }
}
