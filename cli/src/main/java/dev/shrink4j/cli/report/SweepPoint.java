package dev.shrink4j.cli.report;

/**
 * Accuracy at one sparsity of a sweep.
 *
 * @param sparsity the target sparsity
 * @param accuracy the test accuracy reached
 * @param nonzeroShare nonzero parameters / all parameters
 *
 * <p>The accuracy is kept to {@value Rounding#ACCURACY_DECIMALS} decimals, the share to
 * {@value Rounding#SHARE_DECIMALS}.
 */
public record SweepPoint(double sparsity, double accuracy, double nonzeroShare) {

    /** Rounds the measured values. */
    public SweepPoint {
        accuracy = Rounding.accuracy(accuracy);
        nonzeroShare = Rounding.decimals(nonzeroShare, Rounding.SHARE_DECIMALS);
    }
}
