package dev.shrink4j.search.nni;

import org.bytedeco.pytorch.Tensor;

/**
 * Sees ADMM's variables after each Z and U update, for logging and tests. The tensors are ADMM's own: read them, do
 * not keep or change them.
 */
@FunctionalInterface
public interface AdmmListener {

    /**
     * Called once per pruned parameter after iteration {@code iteration} (from 0) updated Z and U.
     *
     * @param parameter the parameter's dotted name
     * @param weight W, the parameter
     * @param z Z, the projection of W + U (old U) onto the allowed sparsity
     * @param u U, the scaled dual variable, already updated: U = U + W − Z
     */
    void afterIteration(int iteration, String parameter, Tensor weight, Tensor z, Tensor u);
}
