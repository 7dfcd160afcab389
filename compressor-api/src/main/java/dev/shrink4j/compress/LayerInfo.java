package dev.shrink4j.compress;

import dev.shrink4j.nn.Module;

/**
 * A layer a config list selected: its dotted name in the model, the module, and its type name as
 * config lists match it (NNI's {@code LayerInfo}).
 *
 * @param name   dotted module name, e.g. {@code layer1.0.conv1}
 * @param module the module itself
 * @param type   {@link Module#typeName()}, e.g. {@code Conv2d}
 */
public record LayerInfo(String name, Module module, String type) {

    /** The layer info of {@code module} named {@code name}. */
    public static LayerInfo of(String name, Module module) {
        return new LayerInfo(name, module, module.typeName());
    }
}
