package dev.shrink4j.compress;

import java.util.Objects;
import java.util.function.Function;

/**
 * The {@link CompressorBuilder} of a compressor with no options of its own beyond the model, the
 * config list and the optimizer (e.g. {@code LevelPruner}, {@code NaiveQuantizer}): {@link #build()}
 * hands this builder to the compressor's constructor, which checks it
 * ({@link Compressor#Compressor(CompressorBuilder)}).
 *
 * @param <C> the compressor built
 */
public final class SimpleCompressorBuilder<C extends Compressor>
        extends CompressorBuilder<SimpleCompressorBuilder<C>> {

    private final Function<SimpleCompressorBuilder<C>, C> constructor;

    /**
     * @param compressor  the simple class name of the compressor built, for error messages
     * @param constructor the compressor's constructor taking this builder
     */
    public SimpleCompressorBuilder(String compressor, Function<SimpleCompressorBuilder<C>, C> constructor) {
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
        return constructor.apply(this);
    }
}
