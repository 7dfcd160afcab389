package dev.shrink4j.workbench.stats;

import java.util.List;

/**
 * One leaf layer's line of a {@link ModelProfile}.
 *
 * @param name        dotted module name ({@code layer1.0.conv1})
 * @param type        the layer's {@link dev.shrink4j.nn.Module#typeName()}
 * @param outputShape the output shape of its last call, empty when the forward pass never called it
 * @param params      scalars in the layer's own parameters
 * @param flops       operations of all its calls, by the {@link ModelProfiler} conventions
 * @param calls       how many times the forward pass called it
 */
public record LayerProfile(String name, String type, List<Long> outputShape, long params, long flops, int calls) {

    /** Copies the shape, so the record is immutable. */
    public LayerProfile {
        outputShape = List.copyOf(outputShape);
    }
}
