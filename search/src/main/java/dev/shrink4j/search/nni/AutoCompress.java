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
 * NNI's AutoCompress pruner: {@code rounds} rounds, each pruning a share 1 − (1 − s)^(1/rounds) of the weights that
 * are still there, so that the rounds compound to the target sparsity s. A round runs {@link SimulatedAnnealing} to
 * split its share among the layers (by each layer's remaining weights), {@link Admm} to train the model towards that
 * split and prune it, and a {@link RoundShrinker}. The masks of earlier rounds stay applied through later rounds' training.
 *
 * <p>Only weight (level) pruning is implemented: NNI's default {@code base_algo} is L1 filter pruning, whose ADMM
 * projection works on whole filters.
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
        Map<String, Tensor> params = model.namedParameters();
        double perRound = roundSparsity(targetSparsity, rounds);
        Map<String, Tensor> masks = new LinkedHashMap<>();
        List<double[]> chosen = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long[] remaining = new long[parameters.size()];
            for (int i = 0; i < remaining.length; i++) {
                Tensor mask = masks.get(parameters.get(i));
                remaining[i] = mask == null ? params.get(parameters.get(i)).numel() : nonZero(mask);
            }
            CandidateScorer scorer = scorers.scorer(r, masks);
            SimulatedAnnealingResult sa = annealing.apply(SimulatedAnnealing.builder().setScorer(scorer)
                    .setTargetSparsity(perRound).setLayerWeightCounts(remaining).optSeed(seed + r)).build().search();
            double[] relative = sa.bestSparsities();
            chosen.add(relative);
            Map<String, Double> absolute = new LinkedHashMap<>();
            for (int i = 0; i < relative.length; i++) {
                long n = params.get(parameters.get(i)).numel();
                long keep = remaining[i] - Math.round(remaining[i] * relative[i]);
                absolute.put(parameters.get(i), (double) (n - keep) / n);
            }
            Map<String, Tensor> next = Admm.builder().setModel(model).setSparsities(absolute).setEpochTrainer(trainer)
                    .optRho(rho).optIterations(admmIterations).optEpochsPerIteration(admmEpochs).optFixedMasks(masks)
                    .build().run();
            masks.values().forEach(Tensor::close);
            masks = next;
            speedup.shrink(model, masks);
            LOG.info("autocompress round {}/{}: sparsities {} of the remaining weights, {} weights kept", r + 1, rounds,
                    java.util.Arrays.toString(relative), kept(masks));
        }
        long total = parameters.stream().mapToLong(p -> params.get(p).numel()).sum();
        return new AutoCompressResult(masks, chosen, kept(masks), total);
    }

    private static long kept(Map<String, Tensor> masks) {
        return masks.values().stream().mapToLong(AutoCompress::nonZero).sum();
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
        private RoundShrinker speedup = (m, masks) -> { };
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
            return new AutoCompress(this);
        }
    }
}
