package dev.shrink4j.graph.speedup;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@link ModelSpeedup#apply} did: the layers it made smaller, the layers whose masks it kept as masks
 * (multiplied into the weights) because they remove no whole channel, the layers that lost channels
 * without a mask of their own, and the parameter counts and time.
 */
public final class SpeedupResult {

    private final List<ResizedLayer> resized;
    private final Map<String, String> leftMasked;
    private final Map<String, Integer> unmaskedRemovals;
    private final long parametersBefore;
    private final long parametersAfter;
    private final long nanos;

    SpeedupResult(List<ResizedLayer> resized, Map<String, String> leftMasked, Map<String, Integer> unmaskedRemovals,
            long parametersBefore, long parametersAfter, long nanos) {
        this.resized = List.copyOf(resized);
        this.leftMasked = Map.copyOf(leftMasked);
        this.unmaskedRemovals = Map.copyOf(unmaskedRemovals);
        this.parametersBefore = parametersBefore;
        this.parametersAfter = parametersAfter;
        this.nanos = nanos;
    }

    /** The layers made smaller, in graph order. */
    public List<ResizedLayer> resized() {
        return resized;
    }

    /**
     * The layers whose masks stay masks, each with the reason ({@code "unstructured weight_mask"}: zeros that
     * are not whole filters, as a level pruner leaves them). Their masks were multiplied into the weights, so
     * the model computes what the masked model computed.
     */
    public Map<String, String> leftMasked() {
        return leftMasked;
    }

    /**
     * The output layers (convolution, linear, batch norm) that lost channels because their group did, without
     * a mask of their own removing them, with how many. Where such a layer's removed outputs were not zero in
     * the masked model (a batch norm's {@code β − γ·μ/σ}, a bias, another residual branch), the shrunk model
     * drops those values: fine-tune afterwards, or mask every member of the group.
     */
    public Map<String, Integer> unmaskedRemovals() {
        return unmaskedRemovals;
    }

    /** Parameters of the model before. */
    public long parametersBefore() {
        return parametersBefore;
    }

    /** Parameters of the model after. */
    public long parametersAfter() {
        return parametersAfter;
    }

    /** How long the speedup took (trace, validation and resizing), in nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /** A few lines: parameters, resized and masked layers, time. */
    public String summary() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "speedup: %,d -> %,d parameters (%.1f%%), %d layers resized, %d left masked, %.0f ms%n", parametersBefore,
                parametersAfter, 100.0 * parametersAfter / parametersBefore, resized.size(), leftMasked.size(), nanos / 1e6));
        resized.forEach(r -> sb.append("  ").append(r).append('\n'));
        leftMasked.forEach((layer, why) -> sb.append("  ").append(layer).append(": masked (").append(why).append(")\n"));
        if (!unmaskedRemovals.isEmpty()) {
            sb.append("  removed without a mask of their own: ").append(unmaskedRemovals.entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").sorted().collect(Collectors.joining(", "))).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
