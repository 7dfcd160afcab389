package dev.shrink4j.search.nni;

import dev.shrink4j.nn.Module;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.SearchSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NNI's AutoCompress pruner: {@code rounds} rounds, each pruning a share 1 − (1 − s)^(1/rounds) of the filters that
 * are still there, so that the rounds compound to the target sparsity s. A round runs {@link SimulatedAnnealing} to
 * split its share among the layers (by each layer's remaining weights), {@link Admm} with a structured projection
 * (whole filters ranked by a {@link FilterCriterion}, NNI's {@code base_algo} l1 by default, or l2, fpgm) to train the
 * model towards that split and prune it, and a {@link RoundShrinker} (NNI's speedup: {@link FilterSpeedup} removes the
 * zeroed filters). Masks that outlive a round's speedup stay applied through later rounds' training. With no
 * criterion ({@link Builder#optFilterCriterion}(null)) it prunes single weights, as NNI's {@code level} base.
 */
public final class AutoCompress {

    private static final Logger LOG = LoggerFactory.getLogger(AutoCompress.class);

    private final Module model;
    private final List<String> parameters;
    private final double targetSparsity;
    private final RoundScorerFactory scorers;
    private final EpochTrainer trainer;
    private final int rounds;
    private final long seed;
    private final double rho;
    private final int admmIterations;
    private final int admmEpochs;
    private final RoundShrinker speedup;
    private final UnaryOperator<SimulatedAnnealing.Builder> annealing;
    private final FilterCriterion filterCriterion;
    private final RoundWeights sparsityWeights;

    private AutoCompress(Builder b) {
        this.model = b.model;
        this.parameters = List.copyOf(b.parameters);
        this.targetSparsity = b.targetSparsity;
        this.scorers = b.scorers;
        this.trainer = b.trainer;
        this.rounds = b.rounds;
        this.seed = b.seed;
        this.rho = b.rho;
        this.admmIterations = b.admmIterations;
        this.admmEpochs = b.admmEpochs;
        this.speedup = b.speedup;
        this.annealing = b.annealing;
        this.filterCriterion = b.filterCriterion;
        this.sparsityWeights = b.sparsityWeights;
    }

    /** A builder: model, parameters, target sparsity, scorer factory and epoch trainer are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The share of the remaining weights each of {@code rounds} rounds prunes: 1 − (1 − s)^(1/rounds). */
    public static double roundSparsity(double targetSparsity, int rounds) {
        return 1 - Math.pow(1 - targetSparsity, 1.0 / rounds);
    }

    /** Runs every round and prunes the model in place. */
    public AutoCompressResult run() {
        double perRound = roundSparsity(targetSparsity, rounds);
        Map<String, Tensor> masks = new LinkedHashMap<>();
        List<double[]> chosen = new ArrayList<>();
        long total = weights(model.namedParameters(), Map.of());
        for (int r = 0; r < rounds; r++) {
            Map<String, Tensor> params = model.namedParameters(); // a speedup replaces the tensors of shrunk layers
            long[] remainingUnits = new long[parameters.size()];
            long[] remainingWeights = new long[parameters.size()];
            for (int i = 0; i < remainingUnits.length; i++) {
                Tensor p = params.get(parameters.get(i));
                Tensor mask = masks.get(parameters.get(i));
                long perUnit = p.numel() / units(p);
                remainingWeights[i] = mask == null ? p.numel() : nonZero(mask);
                remainingUnits[i] = remainingWeights[i] / perUnit;
            }
            CandidateScorer scorer = scorers.scorer(r, masks);
            SimulatedAnnealingResult sa = annealing.apply(SimulatedAnnealing.builder().setScorer(scorer)
                    .setTargetSparsity(perRound).setLayerWeightCounts(sparsityWeights.weights(r, remainingWeights))
                    .optSeed(seed + r)).build().search();
            double[] relative = sa.bestSparsities();
            chosen.add(relative);
            Map<String, Double> absolute = new LinkedHashMap<>();
            for (int i = 0; i < relative.length; i++) {
                long n = units(params.get(parameters.get(i)));
                absolute.put(parameters.get(i), (double) (n - keptUnits(remainingUnits[i], relative[i])) / n);
            }
            Map<String, Tensor> next = Admm.builder().setModel(model).setSparsities(absolute).setEpochTrainer(trainer)
                    .optRho(rho).optIterations(admmIterations).optEpochsPerIteration(admmEpochs).optFixedMasks(masks)
                    .optFilterCriterion(filterCriterion).build().run();
            masks.values().forEach(Tensor::close);
            Map<String, Tensor> stay = speedup.shrink(model, next);
            for (Tensor t : next.values()) {
                if (stay.values().stream().noneMatch(kept -> kept == t)) {
                    t.close();
                }
            }
            masks = new LinkedHashMap<>(stay);
            LOG.info("autocompress round {}/{}: sparsities {} of the remaining {}, {} weights kept", r + 1, rounds,
                    java.util.Arrays.toString(relative), filterCriterion == null ? "weights" : "filters",
                    weights(model.namedParameters(), masks));
        }
        return new AutoCompressResult(masks, chosen, weights(model.namedParameters(), masks), total);
    }

    /**
     * Units that stay of {@code remaining} at sparsity {@code s} &lt; 1: {@code remaining − round(remaining·s)}, but at
     * least one (a layer left without filters would cut the network).
     */
    static long keptUnits(long remaining, double s) {
        return Math.max(1, remaining - Math.round(remaining * s));
    }

    /** What this run prunes one of in a parameter: a filter (a row along dimension 0) or a weight. */
    private long units(Tensor parameter) {
        return filterCriterion == null ? parameter.numel() : parameter.size(0);
    }

    /** Weights of the pruned parameters that are kept: non-zero in their mask, all of an unmasked one. */
    private long weights(Map<String, Tensor> params, Map<String, Tensor> masks) {
        long kept = 0;
        for (String p : parameters) {
            Tensor mask = masks.get(p);
            kept += mask == null ? params.get(p).numel() : nonZero(mask);
        }
        return kept;
    }

    private static long nonZero(Tensor mask) {
        try (PointerScope scope = new PointerScope()) {
            return mask.count_nonzero().item_long();
        }
    }

    /** Settings of an {@link AutoCompress} run: {@code set…} required, {@code opt…} optional (NNI's defaults). */
    public static final class Builder {
        private Module model;
        private List<String> parameters;
        private Double targetSparsitySet;
        private double targetSparsity;
        private RoundScorerFactory scorers;
        private EpochTrainer trainer;
        private int rounds = 3;
        private long seed;
        private double rho = 1e-4;
        private int admmIterations = 30;
        private int admmEpochs = 5;
        private RoundShrinker speedup = (m, masks) -> masks;
        private FilterCriterion filterCriterion = FilterCriterion.L1;
        private RoundWeights sparsityWeights = (round, remaining) -> remaining;
        private UnaryOperator<SimulatedAnnealing.Builder> annealing = b -> b.optProgress(System.err);

        private Builder() {
        }

        /** The model to prune (required). */
        public Builder setModel(Module model) {
            this.model = model;
            return this;
        }

        /** The dotted names of the weights to prune, in the scorers' layer order ({@code "conv1.weight"}) (required). */
        public Builder setParameters(List<String> parameters) {
            this.parameters = List.copyOf(parameters);
            return this;
        }

        /** The share of those weights to prune in the end, in (0, 1) (required). */
        public Builder setTargetSparsity(double sparsity) {
            this.targetSparsitySet = sparsity;
            return this;
        }

        /** Each round's scorer for simulated annealing (required). */
        public Builder setScorerFactory(RoundScorerFactory scorers) {
            this.scorers = scorers;
            return this;
        }

        /** One epoch of training, for ADMM (required). */
        public Builder setEpochTrainer(EpochTrainer trainer) {
            this.trainer = trainer;
            return this;
        }

        /** Rounds (default 3). */
        public Builder optRounds(int rounds) {
            this.rounds = rounds;
            return this;
        }

        /** The seed of round 0's annealing; round r uses seed + r (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** ADMM's ρ (default 1e-4). */
        public Builder optRho(double rho) {
            this.rho = rho;
            return this;
        }

        /** ADMM's Z/U updates per round (default 30). */
        public Builder optAdmmIterations(int iterations) {
            this.admmIterations = iterations;
            return this;
        }

        /** ADMM's training epochs per update (default 5). */
        public Builder optAdmmEpochsPerIteration(int epochs) {
            this.admmEpochs = epochs;
            return this;
        }

        /**
         * The ranking of filters in ADMM's projection, NNI's structured {@code base_algo} (default
         * {@link FilterCriterion#L1}, NNI's default); null prunes single weights (the level pruner) instead.
         */
        public Builder optFilterCriterion(FilterCriterion criterion) {
            this.filterCriterion = criterion;
            return this;
        }

        /**
         * What each layer weighs when annealing spreads a round's sparsity (default its remaining weights, NNI's
         * rule); a FLOPs budget weighs the FLOPs a layer's filters control instead.
         */
        public Builder optSparsityWeights(RoundWeights weights) {
            this.sparsityWeights = weights;
            return this;
        }

        /** The speedup after each round (default none: the masks stay applied). */
        public Builder optSpeedup(RoundShrinker speedup) {
            this.speedup = speedup;
            return this;
        }

        /**
         * Adjusts each round's {@link SimulatedAnnealing.Builder} after scorer, target, weight counts and seed are set
         * (temperatures, acceptance scale, log, progress); default: progress on standard error.
         */
        public Builder optAnnealing(UnaryOperator<SimulatedAnnealing.Builder> annealing) {
            this.annealing = annealing;
            return this;
        }

        /** Checks the settings and builds the run. */
        public AutoCompress build() {
            SearchSettings.required("AutoCompress", "setModel", model);
            SearchSettings.required("AutoCompress", "setParameters", parameters);
            targetSparsity = SearchSettings.checkOpenUnit("target sparsity",
                    SearchSettings.required("AutoCompress", "setTargetSparsity", targetSparsitySet));
            SearchSettings.required("AutoCompress", "setScorerFactory", scorers);
            SearchSettings.required("AutoCompress", "setEpochTrainer", trainer);
            if (parameters.isEmpty()) {
                throw new IllegalArgumentException("autocompress: no parameter to prune");
            }
            Map<String, Tensor> params = model.namedParameters();
            for (String p : parameters) {
                if (!params.containsKey(p)) {
                    throw new IllegalArgumentException("autocompress parameters: \"" + p + "\" is not a parameter of the"
                            + " model; it has " + params.keySet());
                }
            }
            SearchSettings.checkAtLeast("rounds", rounds, 1);
            SearchSettings.checkAtLeast("admm iterations", admmIterations, 1);
            SearchSettings.checkAtLeast("admm epochs per iteration", admmEpochs, 1);
            SearchSettings.required("AutoCompress", "optSpeedup", speedup);
            SearchSettings.required("AutoCompress", "optAnnealing", annealing);
            SearchSettings.required("AutoCompress", "optSparsityWeights", sparsityWeights);
            return new AutoCompress(this);
        }
    }
}
