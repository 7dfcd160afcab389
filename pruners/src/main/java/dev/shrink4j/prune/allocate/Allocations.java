package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.core.Masks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An allocator's result being built: masks by layer name in insertion order, each name once. */
final class Allocations {

    private final Map<String, Masks> masks = new LinkedHashMap<>();

    /** @throws IllegalArgumentException when {@code layer} already has masks (a layer given twice) */
    void put(String layer, Masks m) {
        if (masks.putIfAbsent(layer, m) != null) {
            throw new IllegalArgumentException(layer + " was given to the allocator twice");
        }
    }

    Map<String, Masks> masks() {
        return Collections.unmodifiableMap(masks);
    }
}
