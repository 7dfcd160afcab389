package dev.shrink4j.prune;

import dev.shrink4j.compress.SimpleCompressorBuilder;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.importance.Importances;

/**
 * One-shot fine-grained magnitude pruning (NNI's {@code LevelPruner}): {@link Importances#MAGNITUDE}
 * allocated per layer ({@link ImportanceMasker#perLayer}).
 *
 * <p>Rule, per selected layer with {@code n} weight elements and sparsity {@code s}: exactly
 * {@code floor(n·s)} elements are pruned, those with the smallest {@code |w · weight_mask|} (the
 * already masked weight), lower flat index first on ties, weights already pruned before any other (so
 * recomputing at the same or a higher sparsity never revives one); the bias is not pruned (its mask
 * stays all ones). Any layer with a weight can be selected ({@code op_types: ["default"]} selects Conv2d and
 * Linear). Masks are computed in {@code compress()}; {@link #updateMask()} recomputes them.
 *
 * <pre>{@code
 * try (LevelPruner pruner = new LevelPruner(model, ConfigList.fromJson(
 *         "[{\"sparsity\": 0.8, \"op_types\": [\"default\"]}]"))) {
 *     pruner.compress();
 *     PrunerExport.exportModel(pruner, modelPath, maskPath);
 * }
 * }</pre>
 */
public class LevelPruner extends Pruner {

    /** A one-shot level pruner without optimizer. */
    public LevelPruner(Module model, ConfigList configList) {
        this(model, configList, null);
    }

    /**
     * @param optimizer the training optimizer, or null; the masks are not recomputed on its steps (call
     *                  {@link #updateMask()}), but it is available to subclasses' step hooks
     */
    public LevelPruner(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer, ImportanceMasker.perLayer(Importances.MAGNITUDE));
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optOptimizer} optional. */
    public static SimpleCompressorBuilder<LevelPruner> builder() {
        return new SimpleCompressorBuilder<>("LevelPruner", LevelPruner::new);
    }
}
