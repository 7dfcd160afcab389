/**
 * NNI's search loops (v2.4 {@code nni/algorithms/compression/pytorch/pruning/}), with the reference's known problems
 * fixed: {@link dev.shrink4j.search.nni.SensitivityAnalysis} (returns the last passing sparsity),
 * {@link dev.shrink4j.search.nni.SimulatedAnnealing} (acceptance scaled to the size of accuracy differences),
 * {@link dev.shrink4j.search.nni.NetAdapt} (step halving that terminates), {@link dev.shrink4j.search.nni.Admm} (Z copied,
 * not aliased to W) and {@link dev.shrink4j.search.nni.AutoCompress} (rounds of SA → ADMM → speedup).
 *
 * <p>The loops speak in weight sparsities, as NNI does; a {@link dev.shrink4j.search.scoring.CandidateScorer} receives
 * the keep ratios {@code 1 − sparsity}.
 */
package dev.shrink4j.search.nni;
