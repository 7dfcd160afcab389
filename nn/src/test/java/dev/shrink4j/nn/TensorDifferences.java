package dev.shrink4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Comparisons of model outputs shared by the modules' tests (the nn test-jar). */
public final class TensorDifferences {

    private TensorDifferences() {
    }

    /** The largest |a[i] − b[i]|, in double precision; fails when the lengths differ. */
    public static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
