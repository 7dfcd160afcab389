/**
 * What every search loop needs from the outside, kept small so the loops can be tested against synthetic scorers:
 * a {@link dev.shrink4j.search.scoring.CandidateScorer} (keep ratios → reward and FLOPs), a
 * {@link dev.shrink4j.search.scoring.CandidateLog} of every scored candidate (JSON lines), the
 * {@link dev.shrink4j.search.scoring.ReplayingScorer} that resumes a search from that log, the checks of the settings
 * all searches share, and a one-line-per-step progress display.
 */
package dev.shrink4j.search.scoring;
