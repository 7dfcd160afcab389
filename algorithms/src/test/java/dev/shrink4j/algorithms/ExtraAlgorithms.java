package dev.shrink4j.algorithms;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.Pruner;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import java.util.List;
import org.bytedeco.pytorch.global.torch;

/**
 * A third party's algorithms, as a user's jar would add them: listed in this module's test
 * {@code META-INF/services/dev.shrink4j.algorithms.AlgorithmProvider}, found by {@link AlgorithmRegistry#load()}.
 */
public final class ExtraAlgorithms implements AlgorithmProvider {

    /** The name config files use for the extra pruner. */
    public static final String NAME = "extra-magnitude";

    /** Prunes the weights of smallest magnitude in each layer (Ranking's counting rule); biases are kept. */
    static final class MagnitudePruner extends Pruner {
        MagnitudePruner(Module model, ConfigList configList, Optimizer optimizer) {
            super(model, configList, optimizer, (sparsity, w) -> new Masks(Ranking.keepMask(w.weight().abs(), sparsity),
                    w.bias() == null ? null : torch.ones_like(w.bias())));
        }
    }

    /** For {@link java.util.ServiceLoader}. */
    public ExtraAlgorithms() {
    }

    @Override
    public List<AlgorithmSpec> algorithms() {
        return List.of(AlgorithmSpec.of(NAME, AlgorithmKind.PRUNER, "magnitude pruning from a third-party jar (test)",
                ctx -> new MagnitudePruner(ctx.model(), ctx.configList(), ctx.optimizer())).withOption("note", OptionType.STRING));
    }
}
