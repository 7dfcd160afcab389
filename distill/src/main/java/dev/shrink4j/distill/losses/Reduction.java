package dev.shrink4j.distill.losses;

import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * How a pointwise loss becomes one value, with PyTorch's names: {@code none} keeps every element,
 * {@code mean} averages them, {@code sum} adds them, {@code batchmean} adds them and divides by the
 * batch size (dimension 0), the mathematically correct KL divergence per sample.
 */
public enum Reduction {
    /** Every element, unreduced. */
    NONE("none"),
    /** The mean over all elements. */
    MEAN("mean"),
    /** The sum of all elements divided by the batch size. */
    BATCHMEAN("batchmean"),
    /** The sum of all elements. */
    SUM("sum");

    /** Every config name, in declaration order. */
    public static final List<String> NAMES = List.of("none", "mean", "batchmean", "sum");

    private final String configName;

    Reduction(String configName) {
        this.configName = configName;
    }

    /** The name a config file writes. */
    public String configName() {
        return configName;
    }

    /** The reduction a config file names. */
    public static Reduction of(String configName) {
        for (Reduction r : values()) {
            if (r.configName.equals(configName)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reduction \"" + configName + "\"; expected one of " + String.join(", ", NAMES));
    }

    /** {@code pointwise} reduced; {@code batchmean} divides by {@code pointwise.size(0)}. */
    public Tensor apply(Tensor pointwise) {
        return switch (this) {
            case NONE -> pointwise;
            case MEAN -> pointwise.mean();
            case SUM -> pointwise.sum();
            case BATCHMEAN -> pointwise.sum().div(new Scalar((double) pointwise.size(0)));
        };
    }

    @Override
    public String toString() {
        return configName;
    }
}
