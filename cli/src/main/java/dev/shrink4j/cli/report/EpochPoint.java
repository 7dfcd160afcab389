package dev.shrink4j.cli.report;

/**
 * One point of a training curve.
 *
 * @param run           which run (e.g. {@code baseline}, {@code level fine-tune})
 * @param epoch         1-based epoch
 * @param trainLoss     mean training loss of the epoch
 * @param trainAccuracy training accuracy of the epoch
 * @param testAccuracy  test accuracy after the epoch, or NaN when not evaluated
 *
 * <p>Accuracies are kept to {@value Rounding#ACCURACY_DECIMALS} decimals, the loss to
 * {@value Rounding#LOSS_DIGITS} significant digits.
 */
public record EpochPoint(String run, int epoch, double trainLoss, double trainAccuracy, double testAccuracy) {

    /** Rounds the measured values. */
    public EpochPoint {
        trainLoss = Rounding.significant(trainLoss, Rounding.LOSS_DIGITS);
        trainAccuracy = Rounding.accuracy(trainAccuracy);
        testAccuracy = Rounding.accuracy(testAccuracy);
    }
}
