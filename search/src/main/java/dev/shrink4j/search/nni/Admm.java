package dev.shrink4j.search.nni;

import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.StepListener;
import dev.shrink4j.search.scoring.SearchSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NNI's ADMM pruner (Zhang et al. 2018) on a module: weight pruning as a constrained problem, solved by alternating
 * training with a penalty and a projection.
 * <pre>
 * Z = copy of W, U = 0                                  (NNI aliases Z to W; here Z is a copy)
 * repeat iterations (30) times:
 *     train epochsPerIteration (5) epochs, the gradient of each pruned W increased by ρ·(W − Z + U)   (ρ = 1e-4)
 *     Z = project(W + U)      keep the k largest magnitudes, k = n − ⌊n·sparsity⌋; zero the rest
 *     U = U + W − Z
 * mask = project's support on W; W = W ⊙ mask
 * </pre>
 * The optimizer is NNI's Adam (lr 1e-3, weight decay 5e-5) unless another is given; the penalty is added by a
 * gradient hook on it, so the {@link EpochTrainer} is plain training. With a {@link FilterCriterion}
 * ({@link Builder#optFilterCriterion}) the projection keeps whole filters instead (the structured ADMM of NNI's
 * AutoCompress with {@code base_algo} l1, l2 or fpgm): Z = (W + U) with its least important filters zeroed. Masks fixed by earlier rounds
 * ({@link Builder#optFixedMasks}) are re-applied after every step, so pruned weights stay pruned.
 */
public final class Admm {

    private static final Logger LOG = LoggerFactory.getLogger(Admm.class);

    private final Module model;
    private final Map<String, Double> sparsities;
    private final EpochTrainer trainer;
    private final double rho;
    private final int iterations;
    private final int epochsPerIteration;
    private final Optimizer optimizer;
    private final Map<String, Tensor> fixedMasks;
    private final AdmmListener listener;
    private final FilterCriterion filterCriterion;

    private Admm(Builder b) {
        this.model = b.model;
        this.sparsities = new LinkedHashMap<>(b.sparsities);
        this.trainer = b.trainer;
        this.rho = b.rho;
        this.iterations = b.iterations;
        this.epochsPerIteration = b.epochsPerIteration;
        this.optimizer = b.optimizer;
        this.fixedMasks = b.fixedMasks;
        this.listener = b.listener;
        this.filterCriterion = b.filterCriterion;
    }

    /** A builder: {@code setModel}, {@code setSparsities} and {@code setEpochTrainer} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A 0/1 mask of {@code weight}'s shape and dtype keeping exactly its {@code n − ⌊n·sparsity⌋} largest magnitudes
     * ({@code n} elements; ties broken by {@code topk}, so the count is exact even when magnitudes tie). NNI's level
     * masker keeps {@code |w| > threshold}, which keeps fewer than wanted when the threshold value repeats.
     */
    public static Tensor topKMask(Tensor weight, double sparsity) {
        long n = weight.numel();
        // a hair of tolerance: a sparsity computed as k / n must prune k, not k − 1 when n·(k / n) rounds below k
        long keep = n - (long) Math.floor(n * sparsity + 1e-9);
        Tensor flat = weight.detach().reshape(-1);
        Tensor mask = torch.zeros_like(flat);
        if (keep > 0) {
            Tensor indices = flat.abs().topk(keep).get1();
            mask.index_fill_(0, indices, new Scalar(1.0));
        }
        return mask.view_as(weight);
    }

    /** ADMM's Z step: {@code weight ⊙ topKMask(weight, sparsity)}, a new tensor. */
    public static Tensor projectTopK(Tensor weight, double sparsity) {
        return weight.detach().mul(topKMask(weight, sparsity));
    }

    /**
     * A 0/1 mask of {@code weight}'s shape keeping whole filters (rows along dimension 0): the {@code n − ⌊n·sparsity⌋}
     * of {@code n} filters of largest {@code criterion} importance (ties keep the lower index).
     */
    public static Tensor topFilterMask(Tensor weight, double sparsity, FilterCriterion criterion) {
        double[] importance = criterion.importance(weight);
        int n = importance.length;
        int keep = n - (int) Math.floor(n * sparsity + 1e-9);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (i, j) -> importance[i] != importance[j] ? Double.compare(importance[j], importance[i])
                : Integer.compare(i, j));
        int rowSize = (int) (weight.numel() / n);
        float[] mask = new float[(int) weight.numel()];
        for (int r = 0; r < keep; r++) {
            java.util.Arrays.fill(mask, order[r] * rowSize, (order[r] + 1) * rowSize, 1f);
        }
        return Tensor.create(mask, weight.shape());
    }

    /** ADMM's Z step with filters: {@code weight ⊙ topFilterMask(weight, sparsity, criterion)}, a new tensor. */
    public static Tensor projectTopFilters(Tensor weight, double sparsity, FilterCriterion criterion) {
        return weight.detach().mul(topFilterMask(weight, sparsity, criterion));
    }

    /** The mask of this run's projection: whole filters with a criterion, else single weights. */
    private Tensor mask(Tensor weight, double sparsity) {
        return filterCriterion == null ? topKMask(weight, sparsity) : topFilterMask(weight, sparsity, filterCriterion);
    }

    /**
     * Runs ADMM and prunes the model in place.
     *
     * @return the mask of each pruned parameter (owned by the caller: close them when done)
     */
    public Map<String, Tensor> run() {
        Map<String, Tensor> params = model.namedParameters();
        Map<String, Tensor> z = new LinkedHashMap<>();
        Map<String, Tensor> u = new LinkedHashMap<>();
        Optimizer opt = optimizer != null ? optimizer
                : Adam.builder().setLearningRate(1e-3).optWeightDecay(5e-5).build(model.parameters());
        List<HookHandle> handles = new ArrayList<>();
        try {
            try (NoGradGuard g = new NoGradGuard()) {
                for (String name : sparsities.keySet()) {
                    Tensor w = params.get(name);
                    z.put(name, w.detach().clone()); // a copy: NNI's Z = W aliases them, so its penalty is always 0
                    u.put(name, torch.zeros_like(w));
                }
            }
            handles.add(opt.addGradientHook(o -> addPenaltyGradients(params, z, u)));
            if (!fixedMasks.isEmpty()) {
                handles.add(opt.addStepListener(new StepListener() {
                    @Override
                    public void afterStep(Optimizer o) {
                        applyMasks(params, fixedMasks);
                    }
                }));
            }
            for (int k = 0; k < iterations; k++) {
                for (int e = 0; e < epochsPerIteration; e++) {
                    trainer.trainEpoch(model, opt, k * epochsPerIteration + e);
                }
                double residual = 0;
                for (Map.Entry<String, Double> entry : sparsities.entrySet()) {
                    String name = entry.getKey();
                    try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                        Tensor w = params.get(name);
                        Tensor target = w.detach().add(u.get(name));
                        z.get(name).copy_(target.mul(mask(target, entry.getValue())));
                        u.get(name).add_(w.detach().sub(z.get(name)));
                        residual += w.detach().sub(z.get(name)).norm().item_double();
                    }
                    if (listener != null) {
                        listener.afterIteration(k, name, params.get(name), z.get(name), u.get(name));
                    }
                }
                LOG.info("admm iteration {}/{}: Σ‖W − Z‖ = {}", k + 1, iterations, residual);
            }
            Map<String, Tensor> masks = new LinkedHashMap<>();
            try (NoGradGuard g = new NoGradGuard()) {
                for (Map.Entry<String, Double> entry : sparsities.entrySet()) {
                    Tensor w = params.get(entry.getKey());
                    Tensor mask = mask(w, entry.getValue());
                    if (fixedMasks.containsKey(entry.getKey())) {
                        mask.mul_(fixedMasks.get(entry.getKey()));
                    }
                    w.mul_(mask);
                    masks.put(entry.getKey(), mask);
                }
            }
            return masks;
        } finally {
            handles.forEach(HookHandle::remove);
            z.values().forEach(Tensor::close);
            u.values().forEach(Tensor::close);
            if (optimizer == null) {
                opt.close();
            }
        }
    }

    private void addPenaltyGradients(Map<String, Tensor> params, Map<String, Tensor> z, Map<String, Tensor> u) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (String name : sparsities.keySet()) {
                Tensor w = params.get(name);
                Tensor grad = w.grad();
                if (grad.defined()) {
                    grad.add_(w.detach().sub(z.get(name)).add(u.get(name)).mul(new Scalar(rho)));
                }
            }
        }
    }

    private static void applyMasks(Map<String, Tensor> params, Map<String, Tensor> masks) {
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> m : masks.entrySet()) {
                params.get(m.getKey()).mul_(m.getValue());
            }
        }
    }

    /** Settings of an {@link Admm} run: {@code set…} required, {@code opt…} optional (NNI's defaults). */
    public static final class Builder {
        private Module model;
        private Map<String, Double> sparsities;
        private EpochTrainer trainer;
        private double rho = 1e-4;
        private int iterations = 30;
        private int epochsPerIteration = 5;
        private Optimizer optimizer;
        private Map<String, Tensor> fixedMasks = Map.of();
        private AdmmListener listener;
        private FilterCriterion filterCriterion;

        private Builder() {
        }

        /** The model to prune (required). */
        public Builder setModel(Module model) {
            this.model = model;
            return this;
        }

        /** The sparsity of each parameter to prune, by dotted name ({@code "conv1.weight"}) (required). */
        public Builder setSparsities(Map<String, Double> sparsities) {
            this.sparsities = new LinkedHashMap<>(sparsities);
            return this;
        }

        /** One epoch of training (required). */
        public Builder setEpochTrainer(EpochTrainer trainer) {
            this.trainer = trainer;
            return this;
        }

        /** The penalty weight ρ (default 1e-4). */
        public Builder optRho(double rho) {
            this.rho = rho;
            return this;
        }

        /** Z/U updates (default 30). */
        public Builder optIterations(int iterations) {
            this.iterations = iterations;
            return this;
        }

        /** Training epochs before each Z/U update (default 5). */
        public Builder optEpochsPerIteration(int epochs) {
            this.epochsPerIteration = epochs;
            return this;
        }

        /** The optimizer (default Adam, lr 1e-3, weight decay 5e-5, closed when the run ends; one given stays open). */
        public Builder optOptimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** Masks from earlier rounds, by parameter name, re-applied after every step (default none). */
        public Builder optFixedMasks(Map<String, Tensor> masks) {
            this.fixedMasks = new LinkedHashMap<>(masks);
            return this;
        }

        /** Sees Z and U after every update (default none). */
        public Builder optListener(AdmmListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Prunes whole filters ranked by {@code criterion} (NNI AutoCompress's structured {@code base_algo}); a
         * sparsity is then the share of filters pruned (default: single weights, the level pruner).
         */
        public Builder optFilterCriterion(FilterCriterion criterion) {
            this.filterCriterion = criterion;
            return this;
        }

        /** Checks the settings and builds the run. */
        public Admm build() {
            SearchSettings.required("Admm", "setModel", model);
            SearchSettings.required("Admm", "setSparsities", sparsities);
            SearchSettings.required("Admm", "setEpochTrainer", trainer);
            Map<String, Tensor> params = model.namedParameters();
            if (sparsities.isEmpty()) {
                throw new IllegalArgumentException("admm: no parameter to prune");
            }
            for (Map.Entry<String, Double> e : sparsities.entrySet()) {
                checkParameter("admm sparsities", e.getKey(), params);
                if (!(e.getValue() >= 0 && e.getValue() < 1)) {
                    throw new IllegalArgumentException("admm sparsities: \"" + e.getKey() + "\": " + e.getValue()
                            + " is outside [0, 1)");
                }
            }
            for (String name : fixedMasks.keySet()) {
                checkParameter("admm fixed masks", name, params);
            }
            if (!(rho > 0) || Double.isInfinite(rho)) {
                throw new IllegalArgumentException("rho: " + rho + " is not a positive number");
            }
            SearchSettings.checkAtLeast("iterations", iterations, 1);
            SearchSettings.checkAtLeast("epochs per iteration", epochsPerIteration, 1);
            return new Admm(this);
        }

        private static void checkParameter(String setting, String name, Map<String, Tensor> params) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException(setting + ": \"" + name + "\" is not a parameter of the model; it has "
                        + params.keySet());
            }
        }
    }
}
