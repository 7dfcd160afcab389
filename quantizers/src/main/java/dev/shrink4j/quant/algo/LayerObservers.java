package dev.shrink4j.quant.algo;

import dev.shrink4j.collect.observe.RangeObserver;
import dev.shrink4j.quant.config.QuantType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * The per-layer state of an {@link ObservingQuantizer}: the range observer of each quantized activation
 * of one wrapped layer, by quant type (input before output). Kept on the layer's wrapper under a typed
 * key, so every reader gets a {@code LayerObservers} and no cast.
 *
 * <p>Owns no native memory: each observer updates the layer's {@code tracked_min_<type>} and
 * {@code tracked_max_<type>} wrapper buffers in place, which the wrapper releases itself; dropping this
 * state with the wrapper is all the clean-up it needs (hence not {@link AutoCloseable}).
 *
 * @param byType the observers, by the activation they watch (input before output)
 */
record LayerObservers(Map<QuantType, RangeObserver> byType) {

    LayerObservers {
        byType = Collections.unmodifiableMap(byType.isEmpty() ? new EnumMap<>(QuantType.class) : new EnumMap<>(byType));
    }

    /**
     * The observer of the layer's {@code type} activation.
     *
     * @throws IllegalStateException when the layer does not quantize that activation
     */
    RangeObserver of(QuantType type) {
        RangeObserver observer = byType.get(type);
        if (observer == null) {
            throw new IllegalStateException("no " + type.key() + " observer: the layer observes "
                    + byType.keySet().stream().map(QuantType::key).toList());
        }
        return observer;
    }
}
