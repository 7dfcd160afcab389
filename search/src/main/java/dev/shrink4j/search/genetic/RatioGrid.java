package dev.shrink4j.search.genetic;

import java.util.Locale;

/**
 * The keep ratios a gene can take: {@code min, min + step, …, max}. MetaPruning's grid is 0.10…1.00 in steps of 0.03
 * (31 values). Ratios are rounded to six decimals so that 0.10 + 0.03 is 0.13, not 0.13000000000000003: logs then
 * show the grid's own numbers and compare exactly.
 */
public final class RatioGrid {

    private final double[] ratios;

    /**
     * The grid {@code min, min + step, …} up to {@code max}.
     *
     * @throws IllegalArgumentException when {@code min} is not in (0, 1], {@code max} not in [min, 1], {@code step}
     *     not positive, or {@code max − min} is not a whole number of steps
     */
    public RatioGrid(double min, double max, double step) {
        if (!(min > 0 && min <= 1)) {
            throw new IllegalArgumentException("ratio grid: min " + min + " is outside (0, 1]");
        }
        if (!(max >= min && max <= 1)) {
            throw new IllegalArgumentException("ratio grid: max " + max + " is outside [min " + min + ", 1]");
        }
        if (!(step > 0)) {
            throw new IllegalArgumentException("ratio grid: step " + step + " is not positive");
        }
        double steps = (max - min) / step;
        long n = Math.round(steps);
        if (Math.abs(steps - n) > 1e-9) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "ratio grid: max %s − min %s is not a whole number of steps %s", max, min, step));
        }
        ratios = new double[(int) n + 1];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = Math.round((min + i * step) * 1e6) / 1e6;
        }
    }

    /** MetaPruning's grid: 0.10…1.00 in steps of 0.03. */
    public static RatioGrid metaPruning() {
        return new RatioGrid(0.10, 1.00, 0.03);
    }

    /** The number of values a gene can take. */
    public int size() {
        return ratios.length;
    }

    /** The keep ratio of gene value {@code index}. */
    public double ratio(int index) {
        return ratios[index];
    }

    /** The keep ratios of a whole chromosome. */
    public double[] ratios(int[] genes) {
        double[] r = new double[genes.length];
        for (int i = 0; i < genes.length; i++) {
            r[i] = ratios[genes[i]];
        }
        return r;
    }
}
