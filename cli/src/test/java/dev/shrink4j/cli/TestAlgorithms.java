package dev.shrink4j.cli;

import dev.shrink4j.algorithms.AlgorithmKind;
import dev.shrink4j.algorithms.AlgorithmRegistry;
import dev.shrink4j.algorithms.AlgorithmSpec;
import dev.shrink4j.algorithms.BuiltinAlgorithms;
import dev.shrink4j.algorithms.OptionType;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import org.bytedeco.pytorch.global.torch;

/**
 * A registry for tests: the built-in algorithms plus {@code test-magnitude}, a magnitude pruner
 * written here so the command line can be tested whatever algorithms the build has.
 */
final class TestAlgorithms {

    private TestAlgorithms() {
    }

    /** Prunes the weights of smallest magnitude in each layer (Ranking's counting rule). */
    static final class MagnitudePruner extends Pruner {
        MagnitudePruner(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer, (sparsity, w) -> new Masks(Ranking.keepMask(w.weight().abs(), sparsity),
                    w.bias() == null ? null : torch.ones_like(w.bias())));
        }
    }

    static AlgorithmRegistry registry() {
        AlgorithmRegistry r = BuiltinAlgorithms.registry();
        if (r.names(AlgorithmKind.PRUNER).contains("test-magnitude")) {
            return r;
        }
        return r.register(AlgorithmSpec.of("test-magnitude", AlgorithmKind.PRUNER, "magnitude pruning (test)",
                ctx -> new MagnitudePruner(ctx.model(), ctx.configList(), ctx.optimizer()))
                .withOption("note", OptionType.STRING));
    }
}
