/**
 * The evaluation of per-layer keep ratios on a physically pruned copy of the model
 * ({@link dev.shrink4j.search.core.CandidateEvaluator}, a {@link dev.shrink4j.search.scoring.CandidateScorer}), and
 * {@link dev.shrink4j.search.core.SearchRecord}, an AMC episode in memory (with the environment's exact FLOPs).
 * Every search logs its candidates in one format, {@link dev.shrink4j.search.scoring.JsonLinesCandidateLog}.
 */
package dev.shrink4j.search.core;
