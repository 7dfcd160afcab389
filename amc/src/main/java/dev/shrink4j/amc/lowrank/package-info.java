/**
 * Low-rank decomposition (AMC's second mathematical compressor): a Conv2d or Linear is physically replaced by two
 * smaller layers. {@link dev.shrink4j.amc.lowrank.LowRankFactorization} (truncated SVD, vertical/horizontal) and
 * {@link dev.shrink4j.amc.lowrank.ResponseFactorization} (response PCA, ReLU-aware GSVD) compute the factors in
 * float64; {@link dev.shrink4j.amc.lowrank.LayerDecomposer} builds the pair
 * ({@link dev.shrink4j.amc.lowrank.LowRankConv2d}, {@link dev.shrink4j.amc.lowrank.LowRankLinear});
 * {@link dev.shrink4j.amc.lowrank.ModuleSurgery} puts it into the model;
 * {@link dev.shrink4j.amc.lowrank.LowRankCompressor} drives it from a config list ({@code "low-rank"}, registered by
 * {@link dev.shrink4j.amc.lowrank.LowRankAlgorithms}).
 */
package dev.shrink4j.amc.lowrank;
