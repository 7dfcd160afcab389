package dev.shrink4j.search.ddpg;

import dev.shrink4j.search.core.SearchRecord;
import java.util.List;

/**
 * What a search found.
 *
 * @param best    the best-rewarded episode (the first of equals)
 * @param history every episode, in order (replayed ones from the log included)
 * @param resumed episodes taken from the log rather than scored again
 */
public record SearchResult(SearchRecord best, List<SearchRecord> history, int resumed) {

    /** Copies the history, so the record is immutable. */
    public SearchResult {
        history = List.copyOf(history);
    }
}
