package dev.shrink4j.prune;

import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.importance.Importances;

/**
 * One-shot filter pruning of {@code Conv2d} layers by {@link Importances#FPGM}. Filters with the smallest summed distance {@code Σ_j ‖W_i − W_j‖₂} to the layer's other filters, on the stored weights as NNI measures them (the ones nearest the geometric median, the most replaceable) are pruned (NNI's {@code FPGMPruner}; He et al., "Filter Pruning via Geometric Median").
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
 * FpgmPruner pruner = FpgmPruner.builder().setModel(model)
 *         .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
 *         .optDependencyAware(1, 3, 32, 32).build();
 * pruner.compress();
 * }</pre>
 */
public class FpgmPruner extends FilterPruner {

    /** A one-shot pruner without optimizer, not dependency-aware. */
    public FpgmPruner(Module model, ConfigList configList) {
        this(model, configList, null);
    }

    /** A one-shot pruner, not dependency-aware; {@code optimizer} may be null. */
    public FpgmPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    /** Built from a {@link #builder()}. */
    protected FpgmPruner(Builder<FpgmPruner> b) {
        super(b, Importances.FPGM);
    }

    /**
     * A builder: {@code setModel}, {@code setConfigList}, then {@code optOptimizer}, {@code optDependencyAware},
     * {@code optGlobalSort}.
     */
    public static Builder<FpgmPruner> builder() {
        return new Builder<>("FpgmPruner", FpgmPruner::new);
    }
}
