/**
 * MetaPruning's evolutionary search over per-layer keep ratios under a FLOPs budget: {@link
 * dev.shrink4j.search.genetic.GeneticTuner} over the genes of a {@link dev.shrink4j.search.genetic.RatioGrid}.
 */
package dev.shrink4j.search.genetic;
