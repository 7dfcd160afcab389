package dev.shrink4j.compress;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.Objects;

/**
 * The {@link CompressorBuilder} of a compressor with no options of its own beyond the model, the
 * config list and the optimizer (e.g. {@code LevelPruner}, {@code NaiveQuantizer}): {@link #build()}
 * runs {@link #check()} and calls the compressor's public {@code (model, configList, optimizer)}
 * constructor, which checks the same fields with the same message
 * ({@link Compressor#Compressor(Module, ConfigList, Optimizer)}).
 *
 * @param <C> the compressor built
 */
public final class SimpleCompressorBuilder<C extends Compressor>
        extends CompressorBuilder<SimpleCompressorBuilder<C>> {

    /**
     * A compressor's {@code (model, configList, optimizer)} constructor.
     *
     * @param <C> the compressor it makes
     */
    @FunctionalInterface
    public interface Constructor<C extends Compressor> {
        /** The compressor of {@code model} and {@code configList}, trained with {@code optimizer} (may be null). */
        C create(Module model, ConfigList configList, Optimizer optimizer);
    }

    private final Constructor<C> constructor;

    /**
     * @param compressor  the simple class name of the compressor built, for error messages
     * @param constructor the compressor's {@code (model, configList, optimizer)} constructor
     */
    public SimpleCompressorBuilder(String compressor, Constructor<C> constructor) {
        super(compressor);
        this.constructor = Objects.requireNonNull(constructor, "constructor");
    }

    /**
     * The compressor (call {@code compress()} on it).
     *
     * @throws IllegalArgumentException {@code "<Compressor>: setModel(...) was not called"} (or
     *                                  {@code setConfigList}) when a required field is missing
     */
    public C build() {
        check();
        return constructor.create(model(), configList(), optimizer());
    }
}
