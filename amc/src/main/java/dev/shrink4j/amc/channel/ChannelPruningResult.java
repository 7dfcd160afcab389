package dev.shrink4j.amc.channel;

import dev.shrink4j.graph.speedup.SpeedupResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link ChannelPruning#prune()} did: one {@link LayerReport} per pruned layer, the group channels removed
 * from each layer's input, the model's multiply-accumulates per sample (Conv2d and Linear layers) before and
 * after, the evaluator's accuracy before and after (NaN without one; after = before fine-tuning), and what
 * the physical speedup did (empty when the model was not shrunk).
 */
public final class ChannelPruningResult {

    private final List<LayerReport> layers;
    private final Map<String, int[]> removedInputChannels;
    private final long macsBefore;
    private final long macsAfter;
    private final double accuracyBefore;
    private final double accuracyAfter;
    private final SpeedupResult speedup;

    ChannelPruningResult(List<LayerReport> layers, Map<String, int[]> removedInputChannels, long macsBefore, long macsAfter,
            double accuracyBefore, double accuracyAfter, SpeedupResult speedup) {
        this.layers = List.copyOf(layers);
        this.removedInputChannels = Collections.unmodifiableMap(new LinkedHashMap<>(removedInputChannels));
        this.macsBefore = macsBefore;
        this.macsAfter = macsAfter;
        this.accuracyBefore = accuracyBefore;
        this.accuracyAfter = accuracyAfter;
        this.speedup = speedup;
    }

    /** Per pruned layer, in graph order. */
    public List<LayerReport> layers() {
        return layers;
    }

    /** The report of {@code layer}. */
    public LayerReport layer(String layer) {
        return layers.stream().filter(r -> r.layer().equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer \"" + layer + "\" was pruned"));
    }

    /** Per pruned layer, the group channels removed from its input, ascending (a copy). */
    public int[] removedInputChannels(String layer) {
        int[] r = removedInputChannels.get(layer);
        if (r == null) {
            throw new IllegalArgumentException("no layer \"" + layer + "\" was pruned");
        }
        return r.clone();
    }

    /** Multiply-accumulates per sample of every Conv2d and Linear layer, before. */
    public long macsBefore() {
        return macsBefore;
    }

    /** Multiply-accumulates per sample of every Conv2d and Linear layer, after. */
    public long macsAfter() {
        return macsAfter;
    }

    /** The LASSO problems the α searches of all layers solved (0 for L1 selection). */
    public int lassoSolves() {
        return layers.stream().mapToInt(LayerReport::lassoSolves).sum();
    }

    /** The evaluator's accuracy before pruning, NaN without an evaluator. */
    public double accuracyBefore() {
        return accuracyBefore;
    }

    /** The evaluator's accuracy after pruning, before any fine-tuning; NaN without an evaluator. */
    public double accuracyAfter() {
        return accuracyAfter;
    }

    /** What the physical speedup did, when the model was shrunk. */
    public Optional<SpeedupResult> speedup() {
        return Optional.ofNullable(speedup);
    }

    /** A table: one line per layer, then totals and accuracies. */
    public String summary() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "channel pruning: MACs %,d -> %,d (%.1f%%)", macsBefore,
                macsAfter, 100.0 * macsAfter / macsBefore));
        if (!Double.isNaN(accuracyBefore)) {
            sb.append(String.format(Locale.ROOT, ", accuracy %.4f -> %.4f before fine-tuning", accuracyBefore, accuracyAfter));
        }
        sb.append('\n');
        layers.forEach(r -> sb.append("  ").append(r).append('\n'));
        if (speedup != null) {
            sb.append(speedup.summary());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
