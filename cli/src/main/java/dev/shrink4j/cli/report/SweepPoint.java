package dev.shrink4j.cli.report;

/**
 * Accuracy at one sparsity of a sweep.
 *
 * @param sparsity the target sparsity
 * @param accuracy the test accuracy reached
 * @param nonzeroShare nonzero parameters / all parameters
 */
public record SweepPoint(double sparsity, double accuracy, double nonzeroShare) {
}
