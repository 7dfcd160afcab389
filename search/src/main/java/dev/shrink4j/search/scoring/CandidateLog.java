package dev.shrink4j.search.scoring;

import java.util.List;

/**
 * Where a search records every candidate it scores, in order, so that a person can plot the search and an
 * interrupted search can resume ({@link ReplayingScorer}). The search core may provide its own implementation; this
 * interface is what the genetic tuner and the NNI loops write to.
 */
public interface CandidateLog {

    /**
     * Every record written so far, oldest first.
     *
     * @throws IllegalStateException when the stored log is corrupt, naming the file and line
     */
    List<CandidateRecord> read();

    /** Adds one record at the end; it is durable when this returns. */
    void append(CandidateRecord record);

    /** Where the log lives, for messages ({@code "candidates.jsonl"}, {@code "memory"}). */
    String describe();
}
