package dev.shrink4j.prune;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.importance.Importances;

/**
 * One-shot filter pruning of {@code Conv2d} layers by {@link Importances#L1_FILTER_NORM}. Filters with the smallest L1 norm {@code Σ|W_i|} of the masked weight are pruned (NNI's {@code L1FilterPruner}; Li et al., "Pruning Filters for Efficient ConvNets").
 *
 * <p>Rule, per selected layer with {@code n} output filters and sparsity {@code s}: exactly
 * {@code floor(n·s)} filters with the lowest importance are pruned, lower filter index first on
 * ties, filters already pruned (all-zero weight mask) before any other, so recomputing never revives
 * one; the bias mask follows the filter mask; a layer with fewer than 2 filters keeps all-ones masks
 * (logged). With {@code floor(n·s) = 0} nothing is pruned.
 * Only {@code Conv2d} layers may be selected. For dependency-aware pruning and global sort see
 * {@link FilterPruner}.
 *
 * <pre>{@code
 * L1FilterPruner pruner = L1FilterPruner.builder().setModel(model)
 *         .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
 *         .optDependencyAware(1, 3, 32, 32).build();
 * pruner.compress();
 * }</pre>
 */
public class L1FilterPruner extends FilterPruner {

    /** A one-shot pruner without optimizer, not dependency-aware. */
    public L1FilterPruner(Module model, ConfigList configList) {
        this(model, configList, null);
    }

    /** A one-shot pruner, not dependency-aware; {@code optimizer} may be null. */
    public L1FilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    /** Built from a {@link #builder()}. */
    protected L1FilterPruner(Builder<L1FilterPruner> b) {
        super(b, Importances.L1_FILTER_NORM);
    }

    /**
     * A builder: {@code setModel}, {@code setConfigList}, then {@code optOptimizer}, {@code optDependencyAware},
     * {@code optGlobalSort}.
     */
    public static Builder<L1FilterPruner> builder() {
        return new Builder<>("L1FilterPruner", L1FilterPruner::new);
    }
}
