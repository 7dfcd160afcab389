package dev.shrink4j.prune;

import dev.shrink4j.collect.TaylorScoreCollector;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.maskers.CollectedScoreFilterMasker;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Prunes the Conv2d filters with the smallest first-order Taylor importance (Molchanov et al.,
 * "Importance Estimation for Neural Network Pruning", CVPR 2019; NNI's
 * {@code TaylorFOWeightFilterPruner}).
 *
 * <p>Rule: per filter {@code f}, {@code score[f] = Σ_batches Σ_(i in f) (W[f,i]·∂L/∂W[f,i])²},
 * accumulated by a {@link TaylorScoreCollector} over the first {@code statistics_batch_num} optimizer
 * steps (default 1, as NNI). Accumulation runs in the optimizer's before-step hook, where the gradient
 * and the weight it was computed at are both present (NNI accumulates after the patched step, with
 * the already-updated weight; here the pair is consistent). Once enough batches were seen the masks
 * are computed in the after-step hook, once:
 * <ul>
 *   <li>per layer (default): of a layer's {@code n} filters the {@code floor(n·sparsity)} lowest
 *       scores are pruned, weights and bias;</li>
 *   <li>{@code global_sort}: every selected layer's filters are ranked together and the
 *       {@code floor(N_total·sparsity)} lowest scores across all of them are pruned, so layers lose
 *       different shares. All entries must then share one sparsity. (NNI takes
 *       {@code config_list[0]['sparsity']}, derives one threshold, and then counts weights below it
 *       rather than filters; this implements the stated intent.)</li>
 * </ul>
 * Without an optimizer: after each {@code backward()} call {@link #accumulate()}, then
 * {@link #updateMask()}.
 */
public final class TaylorFoWeightFilterPruner extends ScoreCollectingFilterPruner {

    private final boolean globalSort;
    private Double sharedSparsity;

    /** Per-layer ranking with {@code statistics_batch_num = 1}. */
    public TaylorFoWeightFilterPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(model, configList, optimizer, 1, false);
    }

    /**
     * @param optimizer          the training optimizer (its step hooks accumulate and compute), or null
     * @param statisticsBatchNum steps of statistics before masks are computed (≥ 1)
     * @param globalSort         rank all selected layers' filters together
     */
    public TaylorFoWeightFilterPruner(Module model, ConfigList configList, Optimizer optimizer, int statisticsBatchNum,
            boolean globalSort) {
        super(model, configList, optimizer, new TaylorScoreCollector(), statisticsBatchNum);
        this.globalSort = globalSort;
    }

    /** Whether filters are ranked across all layers. */
    public boolean globalSort() {
        return globalSort;
    }

    /** The Taylor collector. */
    public TaylorScoreCollector taylorCollector() {
        return (TaylorScoreCollector) collector();
    }

    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        if (globalSort && !config.exclude()) {
            double s = config.sparsity();
            if (sharedSparsity == null) {
                sharedSparsity = s;
            } else if (sharedSparsity != s) {
                errors.add("config_list[" + config.index() + "]: " + layer.name() + " has sparsity " + s
                        + " but global_sort needs one sparsity for all layers (the first selected layer has " + sharedSparsity + ")");
            }
        }
        return errors;
    }

    /**
     * Adds one batch of Taylor scores from the current gradients, while statistics are still needed
     * (the optimizer hook calls this; call it yourself when training without one).
     */
    public void accumulate() {
        requireCompressed();
        if (isCollecting() && !allReady()) {
            taylorCollector().accumulate();
        }
    }

    @Override
    protected void beforeOptimizerStep() {
        accumulate();
    }

    @Override
    protected void computeMasks() {
        if (!globalSort) {
            super.computeMasks();
            return;
        }
        List<ModuleWrapper> wrappers = getModulesWrapper();
        double sparsity = wrappers.get(0).config().sparsity();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            List<double[]> perLayer = new ArrayList<>();
            int total = 0;
            for (ModuleWrapper w : wrappers) {
                double[] s = collector().scores(w.name());
                perLayer.add(s);
                total += s.length;
            }
            double[] all = new double[total];
            int at = 0;
            for (double[] s : perLayer) {
                System.arraycopy(s, 0, all, at, s.length);
                at += s.length;
            }
            Tensor keep = Ranking.keepMaskPruning(Tensor.create(all, total), Ranking.prunedCount(total, sparsity));
            at = 0;
            for (int i = 0; i < wrappers.size(); i++) {
                int n = perLayer.get(i).length;
                setMasks(wrappers.get(i), CollectedScoreFilterMasker.onBaseMasks(wrappers.get(i), keep.narrow(0, at, n)));
                at += n;
            }
        }
    }
}
