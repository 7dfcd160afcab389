package dev.shrink4j.workbench.train;

/**
 * Loss and top-1 accuracy over a number of samples.
 *
 * @param loss     mean loss per sample
 * @param accuracy fraction of samples classified correctly, in [0, 1]
 * @param samples  number of samples measured
 */
public record Metrics(double loss, double accuracy, long samples) {

    /** Metrics from a loss summed over samples and a count of correct predictions. */
    public static Metrics of(double lossSum, long correct, long samples) {
        return samples == 0 ? new Metrics(Double.NaN, Double.NaN, 0)
                : new Metrics(lossSum / samples, (double) correct / samples, samples);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "loss %.4f, accuracy %.2f%% (%d samples)", loss, 100 * accuracy, samples);
    }
}
