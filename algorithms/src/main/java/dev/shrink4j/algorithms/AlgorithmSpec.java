package dev.shrink4j.algorithms;

import dev.shrink4j.compress.Compressor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * One registry entry: an algorithm's name in config files, its kind, the options its config file may
 * carry and how to build it. How a training loop drives the compressor it builds is the compressor's own
 * business: the interfaces of {@link dev.shrink4j.compress.protocol} it implements.
 *
 * <pre>{@code
 * AlgorithmSpec.of("level", AlgorithmKind.PRUNER, "magnitude pruning of single weights",
 *         ctx -> new LevelPruner(ctx.model(), ctx.configList(), ctx.optimizer()));
 * }</pre>
 *
 * @param name              the config-file name ({@code "level"})
 * @param kind              pruner or quantizer
 * @param description       one line for {@code --help} and errors
 * @param options           the allowed option keys and their JSON types
 * @param factory           builds the (not yet compressed) compressor
 * @param statisticsBatches the batches of training data a config's compressor will ask for
 *                          ({@link dev.shrink4j.compress.protocol.DataDriven#statisticsBatches()}), known
 *                          from its options before the compressor exists, so a command knows whether it
 *                          needs data; 0 for weight-based algorithms
 * @param optionCheck       checks the options together (a schedule they must make); throws
 *                          {@link AlgorithmException} naming the problem
 * @param restructures      whether the compressor replaces or shrinks layers
 *                          ({@link dev.shrink4j.compress.protocol.Restructuring}) rather than masking them, so a
 *                          run builds its fine-tuning optimizer after compression and saves with the compressor
 */
public record AlgorithmSpec(String name, AlgorithmKind kind, String description, Map<String, OptionType> options,
        Factory factory, ToIntFunction<AlgorithmOptions> statisticsBatches, Consumer<AlgorithmOptions> optionCheck,
        boolean restructures) {

    /** Builds the compressor of an entry; {@code compress()} is called by its user. */
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
        Objects.requireNonNull(statisticsBatches, "statisticsBatches");
        Objects.requireNonNull(optionCheck, "optionCheck");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** An entry without options, needing no statistics batches. */
    public static AlgorithmSpec of(String name, AlgorithmKind kind, String description, Factory factory) {
        return new AlgorithmSpec(name, kind, description, Map.of(), factory, o -> 0, o -> { }, false);
    }

    /** This entry with one more allowed option. */
    public AlgorithmSpec withOption(String option, OptionType type) {
        Map<String, OptionType> more = new LinkedHashMap<>(options);
        more.put(option, type);
        return new AlgorithmSpec(name, kind, description, more, factory, statisticsBatches, optionCheck, restructures);
    }

    /** This entry needing {@code batches(options)} statistics (or calibration) batches. */
    public AlgorithmSpec withStatisticsBatches(ToIntFunction<AlgorithmOptions> batches) {
        return new AlgorithmSpec(name, kind, description, options, factory, batches, optionCheck, restructures);
    }

    /** This entry with a check of its options together (on top of each option's type). */
    public AlgorithmSpec withOptionCheck(Consumer<AlgorithmOptions> check) {
        return new AlgorithmSpec(name, kind, description, options, factory, statisticsBatches, check, restructures);
    }

    /**
     * This entry marked as restructuring: its compressor implements
     * {@link dev.shrink4j.compress.protocol.Restructuring} (known before it exists, so a command picks its run).
     */
    public AlgorithmSpec withRestructuring() {
        return new AlgorithmSpec(name, kind, description, options, factory, statisticsBatches, optionCheck, true);
    }

    /** The statistics batches a config with {@code options} needs before its masks or ranges are final. */
    public int statisticsBatches(AlgorithmOptions options) {
        return statisticsBatches.applyAsInt(options);
    }

    /**
     * Checks {@code options} together.
     *
     * @throws AlgorithmException naming the problem (such as options that make no valid schedule)
     */
    public void checkOptions(AlgorithmOptions options) {
        optionCheck.accept(options);
    }
}
