package dev.shrink4j.quant.algo;

import dev.shrink4j.quant.config.QuantType;
import java.util.EnumSet;
import java.util.Set;

/**
 * The per-layer state of {@link LsqQuantizer}: which of the layer's step sizes hold their initial value
 * {@code 2·mean|x| / sqrt(qmax)} (or a restored one). The weight's is set when the layer is wrapped; an
 * input's or output's is still 1 until the first batch reaches the layer, which then initialises it from
 * that batch. Kept on the layer's wrapper under a typed key; holds no native memory.
 */
final class LsqLayerState {

    private final Set<QuantType> initialized = EnumSet.noneOf(QuantType.class);

    /** Whether the step size of {@code type} has its initial (or restored) value. */
    boolean isInitialized(QuantType type) {
        return initialized.contains(type);
    }

    /** Records that the step size of {@code type} has its initial (or restored) value. */
    void markInitialized(QuantType type) {
        initialized.add(type);
    }

    @Override
    public String toString() {
        return "LsqLayerState(initialized " + initialized.stream().map(QuantType::key).toList() + ")";
    }
}
