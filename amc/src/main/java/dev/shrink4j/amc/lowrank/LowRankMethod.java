package dev.shrink4j.amc.lowrank;

import java.util.Arrays;
import java.util.Locale;

/** How a layer's low-rank pair is computed; config lists name it under {@code "method"}. */
public enum LowRankMethod {
    /** Truncated SVD of the weight: k×k then 1×1 (conv), or two linear layers. */
    SVD(false),
    /** Vertical/horizontal: the weight's SVD after permuting it to (Cin·kh) × (Cout·kw): k×1 then 1×k (conv only). */
    VH(false),
    /** Linear response PCA (Zhang et al. 2015): the top principal directions of the layer's sampled responses. */
    PCA(true),
    /** Nonlinear (ReLU-aware) GSVD (Zhang et al. 2015, {@code nonlinear_case}): fits ReLU(responses) by alternation. */
    GSVD(true);

    private final boolean dataDriven;

    LowRankMethod(boolean dataDriven) {
        this.dataDriven = dataDriven;
    }

    /** Whether the method needs sampled layer inputs (statistics batches). */
    public boolean dataDriven() {
        return dataDriven;
    }

    /** The name in config lists ({@code "svd"}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The config names of all methods, in declaration order. */
    public static String[] configNames() {
        return Arrays.stream(values()).map(LowRankMethod::configName).toArray(String[]::new);
    }

    /**
     * The method a config list names.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static LowRankMethod fromConfig(String name) {
        for (LowRankMethod m : values()) {
            if (m.configName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not one of " + String.join(", ", configNames()));
    }
}
