package dev.shrink4j.search.nni;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * How structured {@link Admm} ranks the filters (rows along dimension 0) of a weight, NNI's {@code base_algo} of
 * AutoCompress: the filters of smallest importance are projected to zero.
 */
public enum FilterCriterion {
    /** NNI's {@code l1}: Σ|w| of the filter. */
    L1,
    /** NNI's {@code l2}: √Σw² of the filter. */
    L2,
    /**
     * NNI's {@code fpgm} (He et al. 2019, filter pruning via the geometric median): Σⱼ‖fᵢ − fⱼ‖₂ over the other
     * filters; the filters nearest the geometric median are the most replaceable.
     */
    FPGM;

    /** The importance of each filter of {@code weight} (larger keeps). */
    public double[] importance(Tensor weight) {
        int n = (int) weight.size(0);
        float[] flat = new float[(int) weight.numel()];
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            weight.detach().contiguous().reshape(-1).data_ptr_float().get(flat);
        }
        int d = flat.length / n;
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            switch (this) {
                case L1 -> {
                    for (int k = 0; k < d; k++) {
                        score[i] += Math.abs(flat[i * d + k]);
                    }
                }
                case L2 -> score[i] = Math.sqrt(squaredDistance(flat, d, i, -1));
                case FPGM -> {
                    for (int j = 0; j < n; j++) {
                        score[i] += Math.sqrt(squaredDistance(flat, d, i, j));
                    }
                }
            }
        }
        return score;
    }

    /** ‖fᵢ − fⱼ‖² of the rows of {@code flat} ({@code j = −1}: ‖fᵢ‖²). */
    private static double squaredDistance(float[] flat, int d, int i, int j) {
        double sq = 0;
        for (int k = 0; k < d; k++) {
            double diff = flat[i * d + k] - (j < 0 ? 0 : flat[j * d + k]);
            sq += diff * diff;
        }
        return sq;
    }
}
