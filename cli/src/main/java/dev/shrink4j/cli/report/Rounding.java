package dev.shrink4j.cli.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Rounds measured values to what was measured, so that {@code report.json} says {@code -0.27} where
 * the arithmetic left {@code -0.27000000000000357}. NaN and infinities pass through unchanged (they
 * say "not measured").
 */
public final class Rounding {

    /** Decimals of an accuracy in [0, 1] (a test set of 10,000 images resolves 0.0001). */
    public static final int ACCURACY_DECIMALS = 4;
    /** Decimals of an accuracy difference in percentage points (0.01 pt = one image in 10,000). */
    public static final int DELTA_POINTS_DECIMALS = 2;
    /** Decimals of a latency in milliseconds (a microsecond; timing noise is far larger). */
    public static final int MILLIS_DECIMALS = 3;
    /** Decimals of a share of weights (one weight in a million). */
    public static final int SHARE_DECIMALS = 6;
    /** Significant digits of a mean training loss (computed in float32). */
    public static final int LOSS_DIGITS = 5;

    private Rounding() {
    }

    /** {@code value} rounded half-up to {@code places} decimals. */
    public static double decimals(double value, int places) {
        if (!Double.isFinite(value)) {
            return value;
        }
        // + 0.0 turns a -0.0 left by rounding a tiny negative into 0.0, which prints without a sign
        return BigDecimal.valueOf(value).setScale(places, RoundingMode.HALF_UP).doubleValue() + 0.0;
    }

    /** {@code value} rounded half-up to {@code digits} significant digits. */
    public static double significant(double value, int digits) {
        if (!Double.isFinite(value)) {
            return value;
        }
        return BigDecimal.valueOf(value).round(new MathContext(digits, RoundingMode.HALF_UP)).doubleValue() + 0.0;
    }

    /** An accuracy in [0, 1] to {@value #ACCURACY_DECIMALS} decimals. */
    public static double accuracy(double value) {
        return decimals(value, ACCURACY_DECIMALS);
    }
}
