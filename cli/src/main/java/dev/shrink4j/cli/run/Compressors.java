package dev.shrink4j.cli.run;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmOptions;
import dev.shrink4j.algorithms.CompressionConfig;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.RandomState;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Builds the compressor a config file names over a model, as every command that reads a config does. */
public final class Compressors {

    /** The learning rate of the stand-in optimizer {@link #check} builds; the check never steps it. */
    private static final double CHECK_LR = 1e-3;

    private Compressors() {
    }

    /**
     * The config's algorithm over {@code model}, with {@link Compressor#compress()} already called (the
     * layers are wrapped); closed again when compressing fails or it is not a {@code type}.
     *
     * @param optimizer the fine-tuning optimizer the compressor hooks, or null when there is none
     * @param type      what the command needs ({@code Pruner}, {@code Quantizer}; {@code Compressor}: any)
     * @throws ConfigException      naming the config file, when the algorithm refuses its options or the
     *                              config list ({@link #check} reports these before any work starts)
     * @throws IllegalStateException when the registry entry builds another kind of compressor: a bug of
     *                               the registry, since configs are read for the command's kind
     */
    public static <C extends Compressor> C create(CompressionConfig cfg, Module model, Optimizer optimizer, DataSpec data,
            Class<C> type) {
        List<String> problems = new ArrayList<>();
        Compressor c = build(cfg, cfg.options(), model, optimizer, data, problems);
        if (c == null) {
            throw new ConfigException(subject(cfg), problems);
        }
        try {
            try {
                c.compress();
            } catch (ConfigException e) {
                ConfigException named = new ConfigException(subject(cfg), e.errors());
                named.initCause(e);
                throw named;
            }
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

    /**
     * The check of a config against a fresh {@code arch} model for {@code data}, for
     * {@link CompressionConfig#read(java.nio.file.Path, dev.shrink4j.algorithms.AlgorithmRegistry,
     * dev.shrink4j.algorithms.AlgorithmKind, CompressionConfig.ModelCheck)}: builds the config's algorithm
     * (with an optimizer when {@code finetunes} says the run will have one, since some algorithms need it)
     * and runs {@link Compressor#validate()}, which wraps nothing. Problems reported: the algorithm
     * refusing its options (its builder's message, e.g. {@code AgpPruner: initial_sparsity 1.5 is outside
     * [0, 1)}) and every problem of the config list and of the layers it selects. When the options are
     * refused, the config list is still checked, by the algorithm built with its default options. Cheap: no
     * weights are read and nothing is computed.
     *
     * @throws UsageException when {@code arch} is unknown
     */
    public static CompressionConfig.ModelCheck check(String arch, DataSpec data, Predicate<CompressionConfig> finetunes) {
        // The check's throw-away model draws its initial weights from the global generator: restore it, so
        // a seeded run trains and shuffles exactly as it would without the check.
        return cfg -> RandomState.preserving(() -> problems(cfg, arch, data, finetunes));
    }

    private static List<String> problems(CompressionConfig cfg, String arch, DataSpec data,
            Predicate<CompressionConfig> finetunes) {
        try (Module model = Models.create(arch, data);
             Optimizer optimizer = finetunes.test(cfg)
                     ? Adam.builder().setLearningRate(CHECK_LR).build(model.parameters()) : null) {
            List<String> problems = new ArrayList<>();
            Compressor c = build(cfg, cfg.options(), model, optimizer, data, problems);
            if (c == null && !cfg.options().names().isEmpty()) {
                c = build(cfg, AlgorithmOptions.empty(), model, optimizer, data, problems);
            }
            if (c != null) {
                try (Compressor built = c) {
                    built.validate();
                } catch (ConfigException e) {
                    problems.addAll(e.errors());
                }
            }
            return problems;
        }
    }

    /**
     * The config's compressor with {@code options}, not compressed; null when the algorithm refuses the
     * options or the run (its factory throws {@link dev.shrink4j.algorithms.AlgorithmException} or {@link IllegalArgumentException}, the
     * builders' contract for bad arguments), with the reason added to {@code problems}.
     */
    private static Compressor build(CompressionConfig cfg, AlgorithmOptions options, Module model, Optimizer optimizer,
            DataSpec data, List<String> problems) {
        try {
            return cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), optimizer, options,
                    data.inputShape(1)));
        } catch (UsageException | IllegalArgumentException e) { // AlgorithmException is an IllegalArgumentException
            String problem = Messages.oneLine(e.getMessage());
            if (!problems.contains(problem)) {
                problems.add(problem);
            }
            return null;
        }
    }

    private static String subject(CompressionConfig cfg) {
        return "config " + cfg.source();
    }
}
