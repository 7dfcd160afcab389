package dev.shrink4j.algorithms.run;

import dev.shrink4j.algorithms.AlgorithmContext;
import dev.shrink4j.algorithms.AlgorithmException;
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
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Builds the compressor a {@link CompressionConfig} names over a model, through its registry entry's
 * {@link dev.shrink4j.algorithms.AlgorithmSpec.Factory}, and checks a config against a model before any
 * work starts. Every error is a {@link ConfigException} naming the config file ({@code config <source>}),
 * so a bad option value reads like any other problem of the file.
 *
 * <pre>{@code
 * long[] input = {1, 1, 28, 28};
 * CompressionConfig cfg = CompressionConfig.read(file, registry, AlgorithmKind.PRUNER,
 *         CompressorFactory.modelCheck(() -> new LeNet5(10), input, c -> true));
 * try (Pruner pruner = CompressorFactory.create(cfg, model, optimizer, input, Pruner.class)) { ... }
 * }</pre>
 */
public final class CompressorFactory {

    /** The learning rate of the stand-in optimizer {@link #modelCheck} builds; the check never steps it. */
    private static final double CHECK_LR = 1e-3;

    private CompressorFactory() {
    }

    /**
     * The config's algorithm over {@code model}, with {@link Compressor#compress()} already called (the
     * layers are wrapped); closed again when compressing fails or it is not a {@code type}.
     *
     * @param optimizer  the fine-tuning optimizer the compressor hooks, or null when there is none
     * @param inputShape one sample's input shape with batch 1 ({@code [1, C, H, W]}), for algorithms that
     *                   trace the model
     * @param type       what the caller needs ({@code Pruner}, {@code Quantizer}; {@code Compressor}: any)
     * @throws ConfigException      naming the config file, when the algorithm refuses its options or the
     *                              config list ({@link #modelCheck} reports these before any work starts)
     * @throws IllegalStateException when the registry entry builds another kind of compressor: a bug of
     *                               the registry, since configs are read for the caller's kind
     */
    public static <C extends Compressor> C create(CompressionConfig cfg, Module model, Optimizer optimizer,
            long[] inputShape, Class<C> type) {
        return create(cfg, model, optimizer, inputShape, type, null);
    }

    /**
     * As {@link #create(CompressionConfig, Module, Optimizer, long[], Class)}, with {@code evaluator} (the validation
     * accuracy of a model, in [0, 1], or null) for algorithms that search by accuracy ({@code accuracy_first});
     * it may run during {@code compress()}.
     */
    public static <C extends Compressor> C create(CompressionConfig cfg, Module model, Optimizer optimizer,
            long[] inputShape, Class<C> type, ToDoubleFunction<Module> evaluator) {
        Objects.requireNonNull(type, "type");
        List<String> problems = new ArrayList<>();
        Compressor c = build(cfg, cfg.options(), model, optimizer, inputShape, evaluator, problems);
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
     * The check of a config against a fresh model, for {@link CompressionConfig#read(java.nio.file.Path,
     * dev.shrink4j.algorithms.AlgorithmRegistry, dev.shrink4j.algorithms.AlgorithmKind, CompressionConfig.ModelCheck)}:
     * builds the config's algorithm over {@code freshModel.get()} (with an optimizer when {@code finetunes}
     * says the run will have one, since some algorithms need it) and runs {@link Compressor#validate()},
     * which wraps nothing; the model is closed after the check. Problems reported: the algorithm refusing
     * its options (its builder's message, e.g. {@code AgpPruner: initial_sparsity 1.5 is outside [0, 1)})
     * and every problem of the config list and of the layers it selects. When the options are refused, the
     * config list is still checked, by the algorithm built with its default options. Cheap: no weights are
     * read and nothing is computed. The global random generator is left as it was, although the fresh
     * model draws its initial weights from it: a seeded run trains and shuffles exactly as it would
     * without the check.
     *
     * @param freshModel a new, untrained model of the architecture the config will compress; whatever it
     *                   throws (an unknown architecture) reaches the caller unchanged
     * @param inputShape one sample's input shape with batch 1
     * @param finetunes  whether the run will fine-tune the config's compressor (then it gets an optimizer)
     */
    public static CompressionConfig.ModelCheck modelCheck(Supplier<? extends Module> freshModel, long[] inputShape,
            Predicate<CompressionConfig> finetunes) {
        return modelCheck(freshModel, inputShape, finetunes, false);
    }

    /**
     * As {@link #modelCheck(Supplier, long[], Predicate)}; with {@code evaluates} the run will pass an evaluator
     * to {@link #create(CompressionConfig, Module, Optimizer, long[], Class, ToDoubleFunction)}, so the check gives
     * the algorithm a stand-in one (never called: validation computes nothing) and {@code accuracy_first} entries
     * pass.
     */
    public static CompressionConfig.ModelCheck modelCheck(Supplier<? extends Module> freshModel, long[] inputShape,
            Predicate<CompressionConfig> finetunes, boolean evaluates) {
        Objects.requireNonNull(freshModel, "freshModel");
        Objects.requireNonNull(finetunes, "finetunes");
        ToDoubleFunction<Module> evaluator = evaluates ? CompressorFactory::checkOnlyEvaluator : null;
        return cfg -> RandomState.preserving(() -> problems(cfg, freshModel, inputShape, finetunes, evaluator));
    }

    private static double checkOnlyEvaluator(Module model) {
        throw new IllegalStateException("the config check's stand-in evaluator was called: validation must not evaluate");
    }

    private static List<String> problems(CompressionConfig cfg, Supplier<? extends Module> freshModel, long[] inputShape,
            Predicate<CompressionConfig> finetunes, ToDoubleFunction<Module> evaluator) {
        try (Module model = freshModel.get();
             Optimizer optimizer = finetunes.test(cfg)
                     ? Adam.builder().setLearningRate(CHECK_LR).build(model.parameters()) : null) {
            List<String> problems = new ArrayList<>();
            Compressor c = build(cfg, cfg.options(), model, optimizer, inputShape, evaluator, problems);
            if (c == null && !cfg.options().names().isEmpty()) {
                c = build(cfg, AlgorithmOptions.empty(), model, optimizer, inputShape, evaluator, problems);
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
     * options or the run (its factory throws {@link AlgorithmException} or {@link IllegalArgumentException},
     * the builders' contract for bad arguments), with the reason, on one line, added to {@code problems}.
     */
    private static Compressor build(CompressionConfig cfg, AlgorithmOptions options, Module model, Optimizer optimizer,
            long[] inputShape, ToDoubleFunction<Module> evaluator, List<String> problems) {
        try {
            return cfg.spec().factory().create(new AlgorithmContext(model, cfg.configList(), optimizer, options, inputShape,
                    evaluator));
        } catch (IllegalArgumentException e) { // AlgorithmException and ConfigException are IllegalArgumentExceptions
            String problem = ConfigException.oneLine(e.getMessage());
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
