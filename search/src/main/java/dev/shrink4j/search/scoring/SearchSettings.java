package dev.shrink4j.search.scoring;

import java.util.Locale;

/**
 * Checks of the settings every search shares; each message names the setting, its value and what is expected, e.g.
 * {@code flops budget: 1.5 is outside (0, 1)}.
 */
public final class SearchSettings {

    private SearchSettings() {
    }

    /**
     * Checks a value that must lie strictly between 0 and 1 (a FLOPs budget, a target sparsity).
     *
     * @param setting the setting's name in the message ({@code "flops budget"})
     * @return {@code value}
     * @throws IllegalArgumentException when it is not inside (0, 1) or not a number
     */
    public static double checkOpenUnit(String setting, double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s is outside (0, 1)", setting, value));
        }
        return value;
    }

    /**
     * Checks a count that must be at least {@code min}.
     *
     * @return {@code value}
     * @throws IllegalArgumentException when it is smaller
     */
    public static int checkAtLeast(String setting, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(setting + ": " + value + " is below " + min);
        }
        return value;
    }

    /**
     * Checks per-layer weight counts: one per prunable layer of {@code scorer}, each positive.
     *
     * @return a copy
     */
    public static long[] checkWeightCounts(long[] weightCounts, CandidateScorer scorer) {
        if (weightCounts.length != scorer.layerCount()) {
            throw new IllegalArgumentException("layer weight counts: " + weightCounts.length + " counts for "
                    + scorer.layerCount() + " prunable layers");
        }
        for (int i = 0; i < weightCounts.length; i++) {
            if (weightCounts[i] <= 0) {
                throw new IllegalArgumentException("layer weight counts[" + i + "]: " + weightCounts[i] + " is not positive");
            }
        }
        return weightCounts.clone();
    }

    /**
     * Checks a required builder value was set.
     *
     * @throws IllegalStateException naming the builder and the setter
     */
    public static <T> T required(String builder, String setter, T value) {
        if (value == null) {
            throw new IllegalStateException(builder + ": " + setter + " is required");
        }
        return value;
    }
}
