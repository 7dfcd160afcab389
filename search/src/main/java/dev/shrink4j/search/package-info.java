/**
 * Automatic compression search: the keep ratio of every prunable layer under a FLOPs budget, chosen by AMC's DDPG
 * agent over a channel-pruning environment, MetaPruning's genetic tuner, or NNI's search loops (sensitivity
 * analysis, simulated annealing, NetAdapt, AutoCompress). Every search logs its candidates as JSON lines, resumes
 * from that log, and gives back the best ratios as a config list that {@code prune} accepts.
 */
package dev.shrink4j.search;
