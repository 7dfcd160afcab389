package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.compress.protocol.Iterative;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.ParamGroup;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.importance.Importances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Iterative magnitude pruning with rewinding (Frankle and Carbin, "The Lottery Ticket Hypothesis",
 * 2019; NNI's {@code LotteryTicketPruner}).
 *
 * <p>Config entries carry {@code sparsity} (the final one, {@code s}) and {@code prune_iterations}
 * ({@code N}, one value for all entries). There are {@code N + 1} rounds, {@link #getPruneIterations()}
 * = {@code 0 … N}; call {@link #pruneIterationStart()} (NNI's {@code prune_iteration_start()}) at the
 * start of each, then train that round. Round {@code k}:
 * <ul>
 *   <li>masks: round 0 all ones; round {@code k ≥ 1} level masks at sparsity
 *       {@code s_k = 1 − (1 − s)^(k/N)} (each round keeps the share {@code (1 − s)^(1/N)} of the
 *       weights the previous round kept; {@code s_N = s} exactly), i.e. the {@code floor(n·s_k)}
 *       weights of smallest {@code |W · mask|} are pruned ({@link dev.shrink4j.prune.core.Ranking}), computed on the weights
 *       trained in round {@code k − 1} times the current mask, with pruned weights ranked below every
 *       live one, so a pruned weight stays pruned ({@link Importances#MAGNITUDE} allocated per layer). NNI computes
 *       {@code 1 − ((1 − s)^(1/N))^k}, the same number up to rounding, which could move
 *       {@code floor(n·s_k)} by one where {@code n·s_k} is an integer;</li>
 *   <li>then, with {@code reset_weights} (default), every model parameter and buffer is restored to
 *       its value at {@code compress()} (bit-exact copies the pruner owns), the optimizer's state is
 *       reset ({@link Optimizer#resetState()}) and each group's learning rate restored to its value at
 *       {@code compress()} (NNI reloads the optimizer's initial state dict).</li>
 * </ul>
 * The bias is never pruned.
 */
public final class LotteryTicketPruner extends Pruner implements Iterative {

    /** Config key: the number of pruning rounds after the unpruned round 0. */
    public static final String PRUNE_ITERATIONS = "prune_iterations";

    private final boolean resetWeights;
    private final Map<String, Tensor> initialState = new LinkedHashMap<>();
    private final List<Double> initialLearningRates = new ArrayList<>();
    private Integer pruneIterations;
    private int firstIterationsEntry;
    private int currentIteration = -1;

    /** Resetting weights and optimizer at each round. */
    public LotteryTicketPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    /**
     * @param optimizer    the training optimizer (reset at each round), or null
     * @param resetWeights whether each round rewinds the model and optimizer to their state at {@code compress()}
     */
    public LotteryTicketPruner(Module model, ConfigList configList, Optimizer optimizer, boolean resetWeights) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer).optResetWeights(resetWeights));
    }

    private LotteryTicketPruner(Builder b) {
        super(b, ImportanceMasker.perLayer(Importances.MAGNITUDE));
        this.resetWeights = b.resetWeights;
    }

    /** A builder: {@code setModel}, {@code setConfigList}, then {@code optOptimizer}, {@code optResetWeights}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link LotteryTicketPruner}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder extends CompressorBuilder<Builder> {
        private boolean resetWeights = true;

        private Builder() {
            super("LotteryTicketPruner");
        }

        /** {@code reset_weights}: whether each round rewinds the model and optimizer to their state at {@code compress()}, default true. */
        public Builder optResetWeights(boolean resetWeights) {
            this.resetWeights = resetWeights;
            return this;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing field
         */
        public LotteryTicketPruner build() {
            return new LotteryTicketPruner(this);
        }
    }

    @Override
    protected ConfigSchema configSchema() {
        return schemaBuilder().key(PRUNE_ITERATIONS, KeySpec.integer(1, Integer.MAX_VALUE)).require(PRUNE_ITERATIONS).build();
    }

    /** Every selected layer must agree on {@code prune_iterations}. */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        int n = config.getInt(PRUNE_ITERATIONS, 0);
        if (pruneIterations == null) {
            pruneIterations = n;
            firstIterationsEntry = config.index();
        } else if (pruneIterations != n) {
            errors.add("config_list[" + config.index() + "].prune_iterations: " + n + " differs from config_list["
                    + firstIterationsEntry + "].prune_iterations: " + pruneIterations + "; all entries need the same value");
        }
        return errors;
    }

    /** Saves the rewind point; masks stay all ones until round 1. */
    @Override
    protected void afterWrap() {
        if (!resetWeights) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            model().stateDict().forEach((k, t) -> {
                Tensor copy = t.detach().clone();
                copy.retainReference(); // survives any scope compress() runs in; released by undoAfterWrap()
                initialState.put(k, copy);
            });
        }
        optimizer().ifPresent(o -> o.paramGroups().forEach(g -> initialLearningRates.add(g.learningRate())));
    }

    /** {@code N}, the configured {@code prune_iterations}. */
    public int pruneIterations() {
        requireCompressed();
        return pruneIterations;
    }

    /** {@code N + 1}: round 0 keeps every weight, rounds 1 … N prune. */
    @Override
    public int rounds() {
        return pruneIterations() + 1;
    }

    /** {@link #pruneIterationStart()}: the rounds start in order, so {@code round} is the next one. */
    @Override
    public void startRound(int round) {
        pruneIterationStart();
    }

    /** The rounds, {@code 0 … N} (NNI's {@code get_prune_iterations()}: round 0 keeps every weight). */
    public List<Integer> getPruneIterations() {
        return IntStream.rangeClosed(0, pruneIterations()).boxed().toList();
    }

    /** The round in progress, or −1 before the first {@link #pruneIterationStart()}. */
    public int currentIteration() {
        return currentIteration;
    }

    /**
     * The sparsity of round {@code k} of {@code n} towards {@code s}: {@code 1 − (1 − s)^(k/n)}, exactly
     * {@code s} at {@code k = n} and 0 at {@code k = 0}.
     *
     * @throws IllegalArgumentException when {@code k} is outside {@code 0 … n}
     */
    public static double roundSparsity(double s, int n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("round " + k + " is outside 0.." + n);
        }
        if (k == n) {
            return s;
        }
        return Math.max(1 - Math.pow(1 - s, (double) k / n), 0);
    }

    @Override
    protected double targetSparsity(ModuleWrapper wrapper) {
        return roundSparsity(wrapper.config().sparsity(), pruneIterations, currentIteration);
    }

    /**
     * Starts the next round: computes its masks, then (with {@code reset_weights}) rewinds the model
     * and the optimizer.
     *
     * @throws IllegalStateException after round {@code N}
     */
    public void pruneIterationStart() {
        requireCompressed();
        if (currentIteration >= pruneIterations) {
            throw new IllegalStateException("LotteryTicketPruner: all " + (pruneIterations + 1) + " rounds (0.."
                    + pruneIterations + ") have started; prune_iterations is " + pruneIterations);
        }
        currentIteration++;
        for (ModuleWrapper w : getModulesWrapper()) {
            if (currentIteration == 0) {
                try (PointerScope scope = new PointerScope()) {
                    setMasks(w, Masks.of(torch.ones_like(w.weight())));
                }
            } else {
                calcMask(w);
            }
        }
        if (resetWeights) {
            model().loadStateDict(initialState, true);
            optimizer().ifPresent(o -> {
                o.resetState();
                List<ParamGroup> groups = o.paramGroups();
                for (int i = 0; i < groups.size() && i < initialLearningRates.size(); i++) {
                    groups.get(i).setLearningRate(initialLearningRates.get(i));
                }
            });
        }
    }

    /** Releases the rewind point (the snapshot of the weights taken at {@code compress()}); run by {@link #unwrap()}. */
    @Override
    protected void undoAfterWrap() {
        initialState.values().forEach(Tensor::releaseReference);
        initialState.clear();
        initialLearningRates.clear();
    }

    /** How many tensors the rewind point holds now (the model's state-dict size while compressed with {@code reset_weights}, else 0). */
    int rewindTensorCount() {
        return initialState.size();
    }
}
