package dev.shrink4j.search.nni;

import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.Module;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AutoCompress's speedup for filter masks: every mask zeroes whole filters of a {@code Conv2d} or {@code Linear}
 * weight, and {@link ModelSpeedup} removes them from the layer and their channels from every layer that reads them,
 * so the next round trains and searches the smaller model. Nothing stays masked.
 */
public final class FilterSpeedup implements RoundShrinker {

    private static final Logger LOG = LoggerFactory.getLogger(FilterSpeedup.class);
    private static final String WEIGHT = ".weight";

    private final long[] inputShape;

    /** A speedup tracing the model on zeros of {@code inputShape} (a batch of 1). */
    public FilterSpeedup(long... inputShape) {
        this.inputShape = inputShape.clone();
    }

    /**
     * Removes the masked filters.
     *
     * @return no masks: every masked layer was shrunk
     * @throws IllegalArgumentException naming the parameter when a mask is not of a {@code .weight} or does not zero
     *     whole filters (the model is then unchanged)
     */
    @Override
    public Map<String, Tensor> shrink(Module model, Map<String, Tensor> masks) {
        Map<String, Tensor> speedup = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : masks.entrySet()) {
            if (!e.getKey().endsWith(WEIGHT)) {
                throw new IllegalArgumentException("filter speedup: \"" + e.getKey() + "\" is not a layer's weight");
            }
            checkWholeFilters(e.getKey(), e.getValue());
            String layer = e.getKey().substring(0, e.getKey().length() - WEIGHT.length());
            speedup.put(layer + "." + ModelSpeedup.WEIGHT_MASK, e.getValue());
        }
        SpeedupResult r;
        try (PointerScope scope = new PointerScope()) {
            r = ModelSpeedup.apply(model, torch.zeros(inputShape), speedup);
        }
        LOG.info("filter speedup: {} → {} parameters", r.parametersBefore(), r.parametersAfter());
        return Map.of();
    }

    private static void checkWholeFilters(String name, Tensor mask) {
        float[] values = new float[(int) mask.numel()];
        try (PointerScope scope = new PointerScope()) {
            mask.detach().contiguous().reshape(-1).data_ptr_float().get(values);
        }
        int row = (int) (mask.numel() / mask.size(0));
        for (int f = 0; f < mask.size(0); f++) {
            for (int k = 1; k < row; k++) {
                if (values[f * row + k] != values[f * row]) {
                    throw new IllegalArgumentException("filter speedup: the mask of \"" + name + "\" keeps part of filter "
                            + f + ": only whole filters can be removed");
                }
            }
        }
    }
}
