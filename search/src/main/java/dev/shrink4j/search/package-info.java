/**
 * Automatic compression search: the keep ratio of every prunable layer under a FLOPs budget, chosen by AMC's DDPG
 * agent over a channel-pruning environment, MetaPruning's genetic tuner, or NNI's search loops (sensitivity
 * analysis, simulated annealing, NetAdapt, AutoCompress). Every search logs its candidates as JSON lines, resumes
 * from that log ({@link dev.shrink4j.search.scoring.JsonLinesCandidateLog}, one format for all), scores candidates
 * through one {@link dev.shrink4j.search.scoring.CandidateScorer} (on a real model:
 * {@link dev.shrink4j.search.core.CandidateEvaluator}), and gives back the best ratios as a config list that
 * {@code prune} accepts. {@link dev.shrink4j.search.SearchRunner} runs a search a JSON config names (the CLI's
 * {@code search}).
 */
package dev.shrink4j.search;
