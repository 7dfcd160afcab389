package dev.shrink4j.compress;

import dev.shrink4j.compress.config.LayerConfig;

/**
 * A layer to compress and the config entry it got (the last matching entry, NNI's rule).
 *
 * @param layer  the selected layer
 * @param config the entry that applies to it
 */
public record LayerSelection(LayerInfo layer, LayerConfig config) {
}
