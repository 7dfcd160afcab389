package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.CandidateLog;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.ReplayingScorer;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.search.scoring.SearchProgress;
import dev.shrink4j.search.scoring.SearchSettings;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NNI's simulated-annealing pruner as a search over per-layer weight sparsities whose weighted total is the target.
 *
 * <p>The temperature starts at 100 and is multiplied by 0.9 until it is no longer above 20 (16 temperatures). At each
 * temperature the current sparsities are perturbed by uniform noise in ±0.35·T/100, clipped at 0 and
 * {@linkplain #rescale rescaled} so the total hits the target (a perturbation with a layer at sparsity ≥ 1 is drawn
 * again); the candidate is scored, and accepted when better, or else with probability
 * {@link #acceptanceProbability exp(−|Δ|·scale / T)}. Candidates are drawn until one is accepted (at most
 * {@code maxTriesPerTemperature}, a bound NNI lacks), then the temperature cools. The best candidate ever scored is
 * the result.
 *
 * <p><b>Acceptance scaling.</b> NNI uses exp(−|Δ| / T) with Δ an accuracy difference ≤ 1 and T ≥ 20: a loss of a
 * whole accuracy point (Δ = 0.01) is accepted with probability 0.9995, so the search is a random walk. Here Δ is
 * multiplied by {@code acceptanceScale} (default 10,000) first, which measures Δ in hundredths of a percentage point:
 * a one-point loss is accepted with probability e⁻¹ = 0.37 at T = 100 and e⁻⁵ = 0.0067 at T = 20, and a 0.1-point
 * loss with 0.90 and 0.61. For rewards that are not accuracies in [0, 1], choose the scale so that a reward difference
 * worth avoiding at the end maps to a few times the stop temperature.
 */
public final class SimulatedAnnealing {

    /** The search's name in logs. */
    public static final String SEARCH = "simulated-annealing";

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedAnnealing.class);

    /** A perturbation is redrawn while a layer lands at sparsity ≥ 1; this bounds the redraws. */
    private static final int PERTURBATION_ATTEMPTS = 10_000;

    private final CandidateScorer scorer;
    private final double targetSparsity;
    private final long[] weightCounts;
    private final double startTemperature;
    private final double stopTemperature;
    private final double coolDownRate;
    private final double perturbationMagnitude;
    private final double acceptanceScale;
    private final int maxTriesPerTemperature;
    private final long seed;
    private final CandidateLog log;
    private final PrintStream progressOut;

    private SimulatedAnnealing(Builder b) {
        this.scorer = b.scorer();
        this.targetSparsity = b.targetSparsity();
        this.weightCounts = b.weightCounts();
        this.startTemperature = b.startTemperature;
        this.stopTemperature = b.stopTemperature;
        this.coolDownRate = b.coolDownRate;
        this.perturbationMagnitude = b.perturbationMagnitude;
        this.acceptanceScale = b.acceptanceScale;
        this.maxTriesPerTemperature = b.maxTriesPerTemperature;
        this.seed = b.seed;
        this.log = b.log();
        this.progressOut = b.progressOut();
    }

    /** A builder: {@code setScorer}, {@code setTargetSparsity} and {@code setLayerWeightCounts} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * NNI's {@code _rescale_sparsities}: the sparsities, sorted, go to the layers sorted by weight count (the largest
     * sparsity to the largest layer; equal counts keep layer order), and are then multiplied by one factor so that the
     * weighted total Σ sᵢ·wᵢ / Σ wᵢ equals {@code target}. NNI truncates each layer's pruned count to an integer
     * before computing the factor, so its total misses the target; this does not.
     *
     * @return the rescaled sparsities in layer order, or null when every sparsity is 0 (nothing to scale)
     */
    public static double[] rescale(double[] sparsities, long[] weightCounts, double target) {
        double[] sorted = sparsities.clone();
        Arrays.sort(sorted);
        int[] bySize = IntStream.range(0, weightCounts.length).boxed()
                .sorted(Comparator.comparingLong((Integer i) -> weightCounts[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        double[] assigned = new double[sparsities.length];
        double pruned = 0;
        double total = 0;
        for (int rank = 0; rank < bySize.length; rank++) {
            assigned[bySize[rank]] = sorted[rank];
            pruned += sorted[rank] * weightCounts[bySize[rank]];
            total += weightCounts[bySize[rank]];
        }
        if (pruned == 0) {
            return null;
        }
        double scale = target * total / pruned;
        for (int i = 0; i < assigned.length; i++) {
            assigned[i] *= scale;
        }
        return assigned;
    }

    /**
     * The probability of accepting a candidate whose reward is {@code delta} worse than the current one at
     * temperature {@code temperature}: exp(−|Δ|·scale / T); see the class comment for the scaling.
     */
    public static double acceptanceProbability(double delta, double temperature, double acceptanceScale) {
        return Math.exp(-Math.abs(delta) * acceptanceScale / temperature);
    }

    /** Runs the search. */
    public SimulatedAnnealingResult search() {
        ReplayingScorer replaying = new ReplayingScorer(SEARCH, scorer, log);
        Random rng = new Random(seed);
        int layers = weightCounts.length;
        double[] current = null;
        for (int attempt = 0; attempt < PERTURBATION_ATTEMPTS && current == null; attempt++) {
            double[] start = new double[layers];
            for (int i = 0; i < layers; i++) {
                start[i] = rng.nextDouble();
            }
            current = valid(rescale(start, weightCounts, targetSparsity));
        }
        if (current == null) {
            throw new IllegalArgumentException(noValidSparsities());
        }
        double currentReward = Double.NEGATIVE_INFINITY;
        double[] best = current;
        Score bestScore = null;
        long worseAccepted = 0;
        int temperatures = 0;
        for (double t = startTemperature; t > stopTemperature; t *= coolDownRate) {
            temperatures++;
        }
        SearchProgress progress = new SearchProgress(progressOut, SEARCH, temperatures);
        int step = 0;
        for (double t = startTemperature; t > stopTemperature; t *= coolDownRate) {
            double magnitude = t / startTemperature * perturbationMagnitude;
            for (int tries = 0; tries < maxTriesPerTemperature; tries++) {
                double[] candidate = perturb(current, magnitude, rng);
                Score s = replaying.score(Sparsities.keepRatios(candidate));
                if (bestScore == null || s.reward() > bestScore.reward()) {
                    bestScore = s;
                    best = candidate;
                }
                if (s.reward() > currentReward) {
                    current = candidate;
                    currentReward = s.reward();
                    break;
                }
                if (rng.nextDouble() < acceptanceProbability(s.reward() - currentReward, t, acceptanceScale)) {
                    current = candidate;
                    currentReward = s.reward();
                    worseAccepted++;
                    break;
                }
            }
            step++;
            LOG.info("simulated annealing T={}: current reward {}, best {} at sparsities {}", String.format(Locale.ROOT,
                    "%.2f", t), currentReward, bestScore.reward(), Arrays.toString(best));
            progress.step(step, bestScore.reward(), replaying.scored());
        }
        return new SimulatedAnnealingResult(best, bestScore, temperatures, replaying.scored(), worseAccepted);
    }

    private double[] perturb(double[] current, double magnitude, Random rng) {
        for (int attempt = 0; attempt < PERTURBATION_ATTEMPTS; attempt++) {
            double[] moved = new double[current.length];
            for (int i = 0; i < moved.length; i++) {
                moved[i] = Math.max(0, current[i] + (2 * rng.nextDouble() - 1) * magnitude);
            }
            double[] rescaled = valid(rescale(moved, weightCounts, targetSparsity));
            if (rescaled != null) {
                return rescaled;
            }
        }
        throw new IllegalStateException(noValidSparsities());
    }

    private String noValidSparsities() {
        return String.format(Locale.ROOT, "target sparsity: %s: no per-layer sparsities below 1 reaching it were found"
                + " in %d draws for layers of %s weights", targetSparsity, PERTURBATION_ATTEMPTS, Arrays.toString(weightCounts));
    }

    /** {@code sparsities} when every one is in [0, 1), else null (NNI's check after rescaling). */
    private static double[] valid(double[] sparsities) {
        if (sparsities == null) {
            return null;
        }
        for (double s : sparsities) {
            if (!(s >= 0 && s < 1)) {
                return null;
            }
        }
        return sparsities;
    }

    /** Settings of a {@link SimulatedAnnealing} search: {@code set…} required, {@code opt…} optional (NNI's defaults). */
    public static final class Builder extends WeightSparsityBuilder<Builder> {
        private double startTemperature = 100;
        private double stopTemperature = 20;
        private double coolDownRate = 0.9;
        private double perturbationMagnitude = 0.35;
        private double acceptanceScale = 10_000;
        private int maxTriesPerTemperature = 100;
        private long seed;

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }




        /** The starting temperature (default 100). */
        public Builder optStartTemperature(double t) {
            this.startTemperature = t;
            return this;
        }

        /** The search stops once the temperature is no longer above this (default 20). */
        public Builder optStopTemperature(double t) {
            this.stopTemperature = t;
            return this;
        }

        /** The factor applied to the temperature after each accepted move (default 0.9). */
        public Builder optCoolDownRate(double rate) {
            this.coolDownRate = rate;
            return this;
        }

        /** The perturbation half-width at the starting temperature (default 0.35). */
        public Builder optPerturbationMagnitude(double magnitude) {
            this.perturbationMagnitude = magnitude;
            return this;
        }

        /** The factor on reward differences before comparing them with the temperature (default 10,000). */
        public Builder optAcceptanceScale(double scale) {
            this.acceptanceScale = scale;
            return this;
        }

        /** The most candidates drawn at one temperature before cooling anyway (default 100). */
        public Builder optMaxTriesPerTemperature(int tries) {
            this.maxTriesPerTemperature = tries;
            return this;
        }

        /** The random seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }



        /** Checks the settings and builds the search. */
        public SimulatedAnnealing build() {
            checkWeightSparsity("SimulatedAnnealing", SEARCH);
            if (!(startTemperature > stopTemperature && stopTemperature > 0)) {
                throw new IllegalArgumentException("temperatures: start " + startTemperature + " must be above stop "
                        + stopTemperature + ", and stop above 0");
            }
            if (!(coolDownRate > 0 && coolDownRate < 1)) {
                throw new IllegalArgumentException("cool down rate: " + coolDownRate + " is outside (0, 1)");
            }
            if (!(perturbationMagnitude > 0)) {
                throw new IllegalArgumentException("perturbation magnitude: " + perturbationMagnitude + " is not positive");
            }
            if (!(acceptanceScale > 0) || Double.isInfinite(acceptanceScale)) {
                throw new IllegalArgumentException("acceptance scale: " + acceptanceScale + " is not a positive number");
            }
            SearchSettings.checkAtLeast("max tries per temperature", maxTriesPerTemperature, 1);
            return new SimulatedAnnealing(this);
        }
    }
}
