package dev.shrink4j.cli;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmProvider;
import dev.shrink4j.algorithms.AlgorithmSpec;
import java.util.List;

/**
 * An algorithm from "another jar": listed in the CLI's test {@code META-INF/services}, so
 * {@link dev.shrink4j.algorithms.AlgorithmRegistry#load()} — the registry {@code shrink4j}'s main uses —
 * finds it without any registration in shrink4j's code.
 */
public final class ThirdPartyAlgorithms implements AlgorithmProvider {

    /** The name config files use. */
    public static final String NAME = "third-party-magnitude";

    /** For {@link java.util.ServiceLoader}. */
    public ThirdPartyAlgorithms() {
    }

    @Override
    public List<AlgorithmSpec> algorithms() {
        return List.of(AlgorithmSpec.of(NAME, AlgorithmKind.PRUNER, "magnitude pruning from another jar (test)",
                ctx -> new TestAlgorithms.MagnitudePruner(ctx.model(), ctx.configList(), ctx.optimizer())));
    }
}
