package dev.shrink4j.search.scoring;

import java.io.PrintStream;

/**
 * What the builders of all searches share: the scorer (required), the candidate log and the progress output
 * (optional), with DJL's {@code set…}/{@code opt…} naming.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class SearchBuilder<B extends SearchBuilder<B>> {

    private CandidateScorer scorer;
    private CandidateLog log = new MemoryCandidateLog();
    private PrintStream progressOut = System.err;

    /** For subclasses. */
    protected SearchBuilder() {
    }

    /** This builder, typed as the subclass. */
    protected abstract B self();

    /** The scorer of candidates (required); the NNI loops pass it keep ratios {@code 1 − sparsity}. */
    public final B setScorer(CandidateScorer scorer) {
        this.scorer = scorer;
        return self();
    }

    /** Where every candidate is logged and from which the search resumes (default: in memory only). */
    public final B optLog(CandidateLog log) {
        this.log = log;
        return self();
    }

    /** Where the progress lines go (default standard error; null prints none). */
    public final B optProgress(PrintStream out) {
        this.progressOut = out;
        return self();
    }

    /** The scorer set, or null. */
    public final CandidateScorer scorer() {
        return scorer;
    }

    /** The candidate log. */
    public final CandidateLog log() {
        return log;
    }

    /** The progress output, or null for none. */
    public final PrintStream progressOut() {
        return progressOut;
    }

    /**
     * Checks the shared settings.
     *
     * @param builder the builder's name in messages ({@code "GeneticTuner"})
     * @param search the search's name in messages ({@code "genetic"})
     * @throws IllegalStateException when the scorer or log is missing
     * @throws IllegalArgumentException when the model has no prunable layer
     */
    protected final void checkShared(String builder, String search) {
        SearchSettings.required(builder, "setScorer", scorer);
        SearchSettings.required(builder, "optLog", log);
        if (scorer.layerCount() < 1) {
            throw new IllegalArgumentException(search + ": the model has no prunable layer");
        }
    }
}
