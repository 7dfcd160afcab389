package dev.shrink4j.search.nni;

/**
 * What a {@link SensitivityAnalysis} measured.
 *
 * @param baselineReward the reward of the unpruned model
 * @param passingSparsities per layer, the largest tried sparsity before the first one whose drop exceeded the
 *     threshold (0 when even the smallest failed, the largest tried when none failed)
 * @param rewards per layer, the reward at each tried sparsity, in the order of the sparsities tried; shorter than the
 *     list of sparsities when the layer stopped early (its last entry is then the failing one)
 */
public record SensitivityResult(double baselineReward, double[] passingSparsities, double[][] rewards) {

    /** Copies the arrays. */
    public SensitivityResult {
        passingSparsities = passingSparsities.clone();
        double[][] copy = new double[rewards.length][];
        for (int i = 0; i < rewards.length; i++) {
            copy[i] = rewards[i].clone();
        }
        rewards = copy;
    }

    /** A copy of the passing sparsity of each layer. */
    @Override
    public double[] passingSparsities() {
        return passingSparsities.clone();
    }

    /** A copy of the rewards measured for each layer. */
    @Override
    public double[][] rewards() {
        double[][] copy = new double[rewards.length][];
        for (int i = 0; i < rewards.length; i++) {
            copy[i] = rewards[i].clone();
        }
        return copy;
    }
}
