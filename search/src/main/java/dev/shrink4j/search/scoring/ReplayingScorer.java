package dev.shrink4j.search.scoring;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link CandidateScorer} that logs every candidate and resumes a search from its log.
 *
 * <p>A search with a fixed seed proposes the same candidates in the same order every time, as long as it sees the
 * same scores. So resuming needs no saved random state: the search starts again from the beginning, and for the
 * first {@code n} candidates (the {@code n} records already in the log) this scorer answers from the log instead of
 * evaluating; from candidate {@code n} on it evaluates and appends. Each replayed candidate must equal its record
 * exactly; a difference means the log was written with another seed or other settings, and is reported with the
 * file and line instead of silently mixing two searches.
 */
public final class ReplayingScorer implements CandidateScorer {

    private final String search;
    private final CandidateScorer scorer;
    private final CandidateLog log;
    private final List<CandidateRecord> previous;
    private long next;

    /**
     * A scorer resuming {@code log} (an empty log starts a fresh search).
     *
     * @param search the search's name, written into every record and checked on every record read back
     * @throws IllegalStateException when the log is corrupt, was written by another search, or for another number
     *     of layers, naming the log and line
     */
    public ReplayingScorer(String search, CandidateScorer scorer, CandidateLog log) {
        this.search = Objects.requireNonNull(search, "search");
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.log = Objects.requireNonNull(log, "log");
        this.previous = log.read();
        for (CandidateRecord r : previous) {
            if (!r.search().equals(search)) {
                throw new IllegalStateException("candidate log " + log.describe() + " line " + (r.index() + 1)
                        + ": written by search \"" + r.search() + "\", cannot resume search \"" + search + "\" from it");
            }
            if (r.keepRatios().length != scorer.layerCount()) {
                throw new IllegalStateException("candidate log " + log.describe() + " line " + (r.index() + 1) + ": "
                        + r.keepRatios().length + " keep ratios, but the model has " + scorer.layerCount()
                        + " prunable layers");
            }
        }
    }

    @Override
    public int layerCount() {
        return scorer.layerCount();
    }

    @Override
    public double flopsRatio(double[] keepRatios) {
        return scorer.flopsRatio(keepRatios);
    }

    @Override
    public List<? extends Number> candidateKey(double[] keepRatios) {
        return scorer.candidateKey(keepRatios);
    }

    @Override
    public Score score(double[] keepRatios) {
        long index = next++;
        if (index < previous.size()) {
            CandidateRecord r = previous.get((int) index);
            if (!Arrays.equals(r.keepRatios(), keepRatios)) {
                throw new IllegalStateException("candidate log " + log.describe() + " line " + (index + 1)
                        + ": the log has keep ratios " + Arrays.toString(r.keepRatios()) + " but the resumed search"
                        + " proposes " + Arrays.toString(keepRatios) + "; the log was written with another seed or other"
                        + " settings");
            }
            return r.score();
        }
        Score s = scorer.score(keepRatios);
        log.append(new CandidateRecord(search, index, keepRatios, s.flopsRatio(), s.reward()));
        return s;
    }

    /** How many candidates were answered from the log so far. */
    public long replayed() {
        return Math.min(next, previous.size());
    }

    /** How many candidates have been scored (replayed or evaluated) so far. */
    public long scored() {
        return next;
    }
}
