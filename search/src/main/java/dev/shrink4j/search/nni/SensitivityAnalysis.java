package dev.shrink4j.search.nni;

import dev.shrink4j.search.scoring.CandidateLog;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.ReplayingScorer;
import dev.shrink4j.search.scoring.SearchBuilder;
import dev.shrink4j.search.scoring.SearchProgress;
import dev.shrink4j.search.scoring.SearchSettings;
import java.io.PrintStream;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NNI's sensitivity analysis: prune one layer at a time to increasing sparsities (0.1…0.9) with every other layer
 * kept whole, and stop that layer at the first sparsity whose reward drop from the unpruned model exceeds the
 * threshold. Unlike NNI, which returns that first failing sparsity, the result is the <em>last passing</em> one, i.e.
 * the most a layer can be pruned within the threshold.
 *
 * <p>The drop is {@code baseline − reward} in the scorer's units (an accuracy in [0, 1]: a threshold of 0.01 allows
 * one percentage point).
 */
public final class SensitivityAnalysis {

    /** The search's name in logs. */
    public static final String SEARCH = "sensitivity";

    private static final Logger LOG = LoggerFactory.getLogger(SensitivityAnalysis.class);

    private final CandidateScorer scorer;
    private final double maxDrop;
    private final double[] sparsities;
    private final CandidateLog log;
    private final PrintStream progressOut;

    private SensitivityAnalysis(Builder b) {
        this.scorer = b.scorer();
        this.maxDrop = b.maxDrop;
        this.sparsities = b.sparsities.clone();
        this.log = b.log();
        this.progressOut = b.progressOut();
    }

    /** A builder: {@code setScorer} and {@code setMaxDrop} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Scores the unpruned model, then every layer at increasing sparsities. */
    public SensitivityResult analyze() {
        ReplayingScorer replaying = new ReplayingScorer(SEARCH, scorer, log);
        int layers = scorer.layerCount();
        double[] none = new double[layers];
        double baseline = replaying.score(Sparsities.keepRatios(none)).reward();
        double[] passing = new double[layers];
        double[][] rewards = new double[layers][];
        SearchProgress progress = new SearchProgress(progressOut, SEARCH, layers);
        for (int layer = 0; layer < layers; layer++) {
            double[] tried = new double[sparsities.length];
            int count = 0;
            for (double s : sparsities) {
                double[] candidate = new double[layers];
                candidate[layer] = s;
                double reward = replaying.score(Sparsities.keepRatios(candidate)).reward();
                tried[count++] = reward;
                if (baseline - reward > maxDrop) {
                    break;
                }
                passing[layer] = s;
            }
            rewards[layer] = Arrays.copyOf(tried, count);
            LOG.info("sensitivity of layer {}: passes sparsity {} (drop ≤ {}), rewards {}", layer, passing[layer], maxDrop,
                    Arrays.toString(rewards[layer]));
            progress.step(layer + 1, baseline, replaying.scored());
        }
        return new SensitivityResult(baseline, passing, rewards);
    }

    /** Settings of a {@link SensitivityAnalysis}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder extends SearchBuilder<Builder> {
        private Double maxDrop;
        private double[] sparsities = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }


        /** The largest reward drop a sparsity may cause and still pass, ≥ 0 (required). */
        public Builder setMaxDrop(double maxDrop) {
            this.maxDrop = maxDrop;
            return this;
        }

        /** The sparsities tried, increasing, each in (0, 1) (default 0.1…0.9 in steps of 0.1). */
        public Builder optSparsities(double... sparsities) {
            this.sparsities = sparsities.clone();
            return this;
        }



        /** Checks the settings and builds the analysis. */
        public SensitivityAnalysis build() {
            checkShared("SensitivityAnalysis", SEARCH);
            SearchSettings.required("SensitivityAnalysis", "setMaxDrop", maxDrop);
            if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
                throw new IllegalArgumentException("max drop: " + maxDrop + " is not a finite number ≥ 0");
            }
            if (sparsities.length == 0) {
                throw new IllegalArgumentException("sparsities: the list is empty");
            }
            for (int i = 0; i < sparsities.length; i++) {
                SearchSettings.checkOpenUnit("sparsities[" + i + "]", sparsities[i]);
                if (i > 0 && sparsities[i] <= sparsities[i - 1]) {
                    throw new IllegalArgumentException("sparsities[" + i + "]: " + sparsities[i]
                            + " is not above the one before it, " + sparsities[i - 1]);
                }
            }
            return new SensitivityAnalysis(this);
        }
    }
}
