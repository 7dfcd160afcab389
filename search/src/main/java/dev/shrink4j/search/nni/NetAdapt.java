package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.CandidateLog;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.ReplayingScorer;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.search.scoring.SearchProgress;
import dev.shrink4j.search.scoring.SearchSettings;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NNI's NetAdapt pruner as a search over per-layer weight sparsities. Each iteration removes a step of weights (at
 * first 5% of all prunable weights, and never more than is left to reach the target) from one layer: every layer that
 * can take the step without exceeding the per-layer maximum sparsity is tried alone, after a {@link ShortFineTune},
 * and the best-scoring one is kept.
 *
 * <p>When no layer qualifies, NNI loops forever; here the step is halved instead, and the search stops, short of the
 * target, once the step falls below the floor (by default 1/64 of the first step, at least one weight). Every
 * iteration either prunes at least one more weight, of a finite number, or halves the step towards the floor, so the
 * search always terminates.
 */
public final class NetAdapt {

    /** The search's name in logs. */
    public static final String SEARCH = "netadapt";

    private static final Logger LOG = LoggerFactory.getLogger(NetAdapt.class);

    private final CandidateScorer scorer;
    private final double targetSparsity;
    private final long[] weightCounts;
    private final double stepFraction;
    private final double maxLayerSparsity;
    private final Long minStepSet;
    private final double[] layerMaxSparsities;
    private final Predicate<double[]> stopWhen;
    private final ShortFineTune fineTune;
    private final CandidateLog log;
    private final PrintStream progressOut;

    private NetAdapt(Builder b) {
        this.scorer = b.scorer();
        this.targetSparsity = b.targetSparsity();
        this.weightCounts = b.weightCounts();
        this.stepFraction = b.stepFraction;
        this.maxLayerSparsity = b.maxLayerSparsity;
        this.minStepSet = b.minStep;
        this.layerMaxSparsities = b.layerMaxSparsities;
        this.stopWhen = b.stopWhen;
        this.fineTune = b.fineTune;
        this.log = b.log();
        this.progressOut = b.progressOut();
    }

    /** A builder: {@code setScorer}, {@code setTargetSparsity} and {@code setLayerWeightCounts} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the search until the target is reached or the step falls below its floor. */
    public NetAdaptResult search() {
        ReplayingScorer replaying = new ReplayingScorer(SEARCH, scorer, log);
        long total = Arrays.stream(weightCounts).sum();
        long target = Math.round(total * targetSparsity);
        long step = Math.max(1, Math.round(total * stepFraction));
        long minStep = minStepSet != null ? minStepSet : Math.max(1, step / 64);
        long[] prunedPerLayer = new long[weightCounts.length];
        long pruned = 0;
        Score kept = null;
        int iterations = 0;
        SearchProgress progress = new SearchProgress(progressOut, SEARCH, 0);
        boolean stopped = false;
        while (pruned < target && step >= minStep && !stopped) {
            iterations++;
            long thisStep = Math.min(step, target - pruned);
            int bestLayer = -1;
            Score best = null;
            for (int layer = 0; layer < weightCounts.length; layer++) {
                long after = prunedPerLayer[layer] + thisStep;
                double max = layerMaxSparsities != null ? layerMaxSparsities[layer] : maxLayerSparsity;
                if ((double) after / weightCounts[layer] > max) {
                    continue; // does not qualify: the layer would pass its maximum sparsity
                }
                long[] candidate = prunedPerLayer.clone();
                candidate[layer] = after;
                double[] keep = Sparsities.keepRatios(sparsities(candidate));
                fineTune.fineTune(keep);
                Score s = replaying.score(keep);
                if (best == null || s.reward() > best.reward()) {
                    best = s;
                    bestLayer = layer;
                }
            }
            if (best == null) {
                LOG.info("netadapt: no layer can take {} more weights; halving the step to {}", thisStep, step / 2);
                step /= 2;
            } else {
                prunedPerLayer[bestLayer] += thisStep;
                pruned += thisStep;
                kept = best;
                stopped = stopWhen.test(Sparsities.keepRatios(sparsities(prunedPerLayer)));
                LOG.info("netadapt: {} weights from layer {} (reward {}), {} of {} pruned", thisStep, bestLayer,
                        best.reward(), pruned, target);
            }
            progress.step(iterations, kept == null ? Double.NaN : kept.reward(), replaying.scored());
        }
        if (stopped) {
            LOG.info("netadapt: stopped at {} of {} weights: the stop condition holds", pruned, target);
        } else if (pruned < target) {
            LOG.warn("netadapt: stopped at {} of {} weights: the step fell below {} with no layer able to take it", pruned,
                    target, minStep);
        }
        return new NetAdaptResult(sparsities(prunedPerLayer), kept, pruned, target, iterations, step);
    }

    private double[] sparsities(long[] prunedPerLayer) {
        double[] s = new double[prunedPerLayer.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (double) prunedPerLayer[i] / weightCounts[i];
        }
        return s;
    }

    /** Settings of a {@link NetAdapt} search: {@code set…} required, {@code opt…} optional (NNI's defaults). */
    public static final class Builder extends WeightSparsityBuilder<Builder> {
        private double stepFraction = 0.05;
        private double maxLayerSparsity = 0.99;
        private Long minStep;
        private double[] layerMaxSparsities;
        private Predicate<double[]> stopWhen = keepRatios -> false;
        private ShortFineTune fineTune = keepRatios -> { };

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }




        /** The first step as a share of all prunable weights, in (0, 1) (default 0.05). */
        public Builder optStepFraction(double fraction) {
            this.stepFraction = fraction;
            return this;
        }

        /** The most any one layer may be pruned, in (0, 1) (default 0.99). */
        public Builder optMaxLayerSparsity(double max) {
            this.maxLayerSparsity = max;
            return this;
        }

        /**
         * The most each layer may be pruned, in the scorer's layer order, each in [0, 1) (default: the one
         * {@link #optMaxLayerSparsity} for all); 0 keeps a layer whole (a layer whose channels cannot shrink).
         */
        public Builder optLayerMaxSparsities(double... max) {
            this.layerMaxSparsities = max.clone();
            return this;
        }

        /**
         * Stops the search as soon as the keep ratios of the candidate just kept satisfy it, before the weight target
         * (default never): a resource budget such as the command line's FLOPs share.
         */
        public Builder optStopWhen(Predicate<double[]> stopWhen) {
            this.stopWhen = stopWhen;
            return this;
        }

        /** The smallest step, in weights, tried before giving up (default 1/64 of the first step, at least 1). */
        public Builder optMinStep(long weights) {
            this.minStep = weights;
            return this;
        }

        /** The short fine-tune run before each candidate is scored (default none). */
        public Builder optShortFineTune(ShortFineTune fineTune) {
            this.fineTune = fineTune;
            return this;
        }



        /** Checks the settings and builds the search. */
        public NetAdapt build() {
            checkWeightSparsity("NetAdapt", SEARCH);
            SearchSettings.checkOpenUnit("step fraction", stepFraction);
            SearchSettings.checkOpenUnit("max layer sparsity", maxLayerSparsity);
            if (minStep != null && minStep < 1) {
                throw new IllegalArgumentException("min step: " + minStep + " is below 1 weight");
            }
            SearchSettings.required("NetAdapt", "optShortFineTune", fineTune);
            SearchSettings.required("NetAdapt", "optStopWhen", stopWhen);
            if (layerMaxSparsities != null) {
                if (layerMaxSparsities.length != weightCounts().length) {
                    throw new IllegalArgumentException("layer max sparsities: " + layerMaxSparsities.length + " for "
                            + weightCounts().length + " prunable layers");
                }
                for (int i = 0; i < layerMaxSparsities.length; i++) {
                    if (!(layerMaxSparsities[i] >= 0 && layerMaxSparsities[i] < 1)) {
                        throw new IllegalArgumentException("layer max sparsities[" + i + "]: " + layerMaxSparsities[i]
                                + " is outside [0, 1)");
                    }
                }
            }
            return new NetAdapt(this);
        }
    }
}
