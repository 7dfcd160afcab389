package dev.shrink4j.cli;

import dev.shrink4j.cli.algo.AlgorithmContext;
import dev.shrink4j.cli.algo.CompressionConfig;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;

/** Builds the compressor a config file names over a model, as every command that reads a config does. */
public final class Compressors {

    private Compressors() {
    }

    /**
     * The config's algorithm over {@code model}, with {@link Compressor#compress()} already called (the
     * layers are wrapped); closed again when compressing fails or it is not a {@code type}.
     *
     * @param optimizer the fine-tuning optimizer the compressor hooks, or null when there is none
     * @param type      what the command needs ({@code Pruner}, {@code Quantizer}; {@code Compressor}: any)
     * @throws IllegalStateException when the registry entry builds another kind of compressor: a bug of
     *                               the registry, since configs are read for the command's kind
     */
    public static <C extends Compressor> C create(CompressionConfig cfg, Module model, Optimizer optimizer, DataSpec data,
            Class<C> type) {
        Compressor c = cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), optimizer, cfg.options(),
                data.inputShape(1)));
        try {
            c.compress();
            if (!type.isInstance(c)) {
                throw new IllegalStateException("registry entry \"" + cfg.spec().name() + "\" built a "
                        + c.getClass().getSimpleName() + ", not a " + type.getSimpleName());
            }
            return type.cast(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }
}
