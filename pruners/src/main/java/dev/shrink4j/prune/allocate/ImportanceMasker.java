package dev.shrink4j.prune.allocate;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.WeightMasker;
import dev.shrink4j.prune.importance.Importance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A {@link WeightMasker} composed of an {@link Importance} (how important each unit is) and a
 * {@link SparsityAllocator} (how many units go, and which layers are ranked together): the masker of
 * every built-in pruner. {@link #calcMask} allocates one layer on its own; {@link #calcMasks} allocates
 * several layers in one call, which is what a global or dependency-group allocator needs.
 *
 * <pre>{@code
 * WeightMasker l1 = ImportanceMasker.perLayer(Importances.L1_FILTER_NORM);
 * }</pre>
 */
public final class ImportanceMasker implements WeightMasker {

    private final Importance importance;
    private final SparsityAllocator allocator;

    /** Scores with {@code importance}, allocates with {@code allocator}. */
    public ImportanceMasker(Importance importance, SparsityAllocator allocator) {
        this.importance = Objects.requireNonNull(importance, "importance");
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /** Scores with {@code importance}, each layer on its own ({@link PerLayerAllocator}). */
    public static ImportanceMasker perLayer(Importance importance) {
        return new ImportanceMasker(importance, new PerLayerAllocator());
    }

    /** The importance criterion. */
    public Importance importance() {
        return importance;
    }

    /** The allocator. */
    public SparsityAllocator allocator() {
        return allocator;
    }

    /** The masks of {@code wrapper} allocated on its own at {@code sparsity}. */
    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        return allocator.allocate(List.of(LayerScores.of(wrapper, importance, sparsity))).get(wrapper.name());
    }

    /**
     * The masks of {@code layers} allocated together, by layer name in their order.
     *
     * @param sparsity each layer's target sparsity
     */
    public Map<String, Masks> calcMasks(List<ModuleWrapper> layers, ToDoubleFunction<ModuleWrapper> sparsity) {
        List<LayerScores> scores = new ArrayList<>();
        for (ModuleWrapper w : layers) {
            scores.add(LayerScores.of(w, importance, sparsity.applyAsDouble(w)));
        }
        return allocator.allocate(scores);
    }
}
