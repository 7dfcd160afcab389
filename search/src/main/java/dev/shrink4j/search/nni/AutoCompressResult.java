package dev.shrink4j.search.nni;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What {@link AutoCompress} did.
 *
 * @param masks the final mask of each pruned parameter (owned by the caller: close them when done)
 * @param roundSparsities per round, the sparsity simulated annealing chose for each layer, relative to the weights
 *     that layer still had at the start of the round
 * @param keptWeights how many weights of the pruned parameters are kept in the end
 * @param totalWeights how many weights the pruned parameters have
 */
public record AutoCompressResult(Map<String, Tensor> masks, List<double[]> roundSparsities, long keptWeights,
        long totalWeights) {

    /** The share of weights pruned in the end. */
    public double sparsity() {
        return 1 - (double) keptWeights / totalWeights;
    }
}
