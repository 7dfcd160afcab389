package dev.shrink4j.prune.allocate;

import static dev.shrink4j.nn.TensorValues.values;

import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.importance.Granularity;
import java.util.Map;
import java.util.StringJoiner;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Hand-made {@link LayerScores} for the allocator tests: no model, just scores and masks. */
final class Scores {

    private Scores() {
    }

    /**
     * Output-unit scores of a layer with a bias whose weight is {@code [n, 2]} (two weights per unit), all
     * kept except the units listed in {@code pruned}.
     */
    static LayerScores units(String layer, double sparsity, float[] scores, int... pruned) {
        Tensor mask = torch.ones(scores.length, 2);
        for (int u : pruned) {
            mask.select(0, u).fill_(new Scalar(0f));
        }
        return new LayerScores(layer, Granularity.OUTPUT_UNIT, Tensor.create(scores, scores.length), mask, true, sparsity);
    }

    /** Element scores {@code [rows, cols]} with the given 0/1 weight mask. */
    static LayerScores elements(String layer, double sparsity, long rows, long cols, float[] scores, float[] mask) {
        return new LayerScores(layer, Granularity.ELEMENT, Tensor.create(scores, rows, cols), Tensor.create(mask, rows, cols),
                true, sparsity);
    }

    /**
     * Each layer's {@link #unitKeep}, in the map's order: {@code "a 1100, b 0011"} for layer a keeping its units
     * 0 and 1 and layer b its units 2 and 3.
     */
    static String keeps(Map<String, Masks> masks) {
        StringJoiner out = new StringJoiner(", ");
        masks.forEach((layer, m) -> {
            StringBuilder digits = new StringBuilder();
            for (float k : unitKeep(m)) {
                digits.append((int) k);
            }
            out.add(layer + " " + digits);
        });
        return out.toString();
    }

    /** Per unit: 1 when the unit's weight mask keeps it (read from its first weight), 0 when pruned. */
    static float[] unitKeep(Masks masks) {
        return values(masks.weightMask().select(1, 0));
    }
}
