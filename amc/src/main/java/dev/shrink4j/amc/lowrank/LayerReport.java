package dev.shrink4j.amc.lowrank;

/**
 * One row of a low-rank run's report (shared shape for AMC's per-layer reports: the lead may hoist it).
 *
 * @param layer               the layer's dotted name
 * @param method              the method's config name ({@code svd})
 * @param rank                the rank chosen, or 0 when the layer was kept
 * @param maxRank             the factorization's largest rank
 * @param flopsBefore         the layer's FLOPs for one sample ({@code ModelProfiler}'s count)
 * @param flopsAfter          the pair's FLOPs for one sample (equal to {@code flopsBefore} when kept)
 * @param weightError         ‖W − W_r‖_F (0 when kept)
 * @param relativeWeightError ‖W − W_r‖_F / ‖W‖_F
 * @param responseError       the relative response error on the sampled inputs (ReLU responses for gsvd), NaN
 *                            without samples
 * @param accuracy            the validation accuracy measured after this layer (accuracy-first), NaN when not
 *                            measured
 * @param note                why the layer was kept or its rank raised, or empty
 */
public record LayerReport(String layer, String method, long rank, long maxRank, long flopsBefore, long flopsAfter,
        double weightError, double relativeWeightError, double responseError, double accuracy, String note) {

    /** Whether the layer was replaced by a pair. */
    public boolean decomposed() {
        return rank > 0;
    }

    /** The FLOPs kept: after / before. */
    public double flopsRatio() {
        return flopsBefore == 0 ? 1 : (double) flopsAfter / flopsBefore;
    }
}
