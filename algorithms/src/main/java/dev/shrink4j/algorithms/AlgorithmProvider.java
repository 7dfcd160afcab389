package dev.shrink4j.algorithms;

import java.util.List;

/**
 * A source of algorithms that config files can name, found through {@link java.util.ServiceLoader}: a jar
 * lists its implementation in {@code META-INF/services/dev.shrink4j.algorithms.AlgorithmProvider} and
 * {@link AlgorithmRegistry#load()} (which the command line uses) registers its specs next to shrink4j's
 * own ({@link BuiltinAlgorithms} is one provider too). Names must be unique across providers.
 *
 * <pre>{@code
 * public final class MyAlgorithms implements AlgorithmProvider {
 *     public MyAlgorithms() { }   // ServiceLoader needs a public no-argument constructor
 *     public List<AlgorithmSpec> algorithms() {
 *         return List.of(AlgorithmSpec.of("my-level", AlgorithmKind.PRUNER, "my magnitude pruning",
 *                 ctx -> new MyPruner(ctx.model(), ctx.configList(), ctx.optimizer())));
 *     }
 * }
 * }</pre>
 */
public interface AlgorithmProvider {

    /** The provider's algorithms, in the order they are listed (help texts, error messages). */
    List<AlgorithmSpec> algorithms();

    /**
     * The loaders of the model files this provider's restructuring algorithms write ({@link ModelRestorer}).
     * Default: none (masking algorithms save plain state dicts).
     */
    default List<ModelRestorer> modelRestorers() {
        return List.of();
    }
}
