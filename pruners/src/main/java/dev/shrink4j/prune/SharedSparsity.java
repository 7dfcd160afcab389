package dev.shrink4j.prune;

import dev.shrink4j.compress.config.LayerConfig;

/**
 * The sparsity a global ranking shares: the first selected layer's. Pruners that rank all their layers
 * at once (slimming, global sort) report every config entry that asks for another one.
 */
final class SharedSparsity {

    private LayerConfig first;

    /**
     * The first layer's config when {@code config} asks for another sparsity than it; null for the first
     * layer and for layers that agree with it.
     */
    LayerConfig conflictOf(LayerConfig config) {
        if (first == null) {
            first = config;
        }
        return config.sparsity() == first.sparsity() ? null : first;
    }
}
