package dev.shrink4j.prune.allocate;

import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.importance.Granularity;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each layer on its own (NNI's {@code NormalSparsityAllocator}): of a layer's {@code n} units exactly
 * {@code floor(n·s)} are pruned, the lowest {@linkplain LayerScores#rankable() rankable} scores (units
 * already pruned first), lower index first on ties. A layer with fewer than 2 output units is skipped:
 * its masks are all ones (logged), as in NNI; element scores have no such limit.
 */
public final class PerLayerAllocator implements SparsityAllocator {

    private static final Logger LOG = LoggerFactory.getLogger(PerLayerAllocator.class);

    /** Each layer's masks, independently of the others. */
    @Override
    public Map<String, Masks> allocate(List<LayerScores> layers) {
        Allocations out = new Allocations();
        layers.forEach(l -> out.put(l.layer(), allocate(l)));
        return out.masks();
    }

    /** One layer's masks. */
    public Masks allocate(LayerScores layer) {
        return layer.masks(keep(layer, null));
    }

    /**
     * The keep mask over the layer's units, pruning the units marked in {@code forced} before any other
     * (they rank at {@code −∞}, below the already pruned ones).
     *
     * @param forced a bool tensor shaped like the scores, or null; it must mark at most {@code floor(n·s)} units
     */
    static Tensor keep(LayerScores layer, Tensor forced) {
        long n = layer.units();
        if (layer.granularity() == Granularity.OUTPUT_UNIT && n < 2) {
            LOG.info("{} has {} filter(s): skipped, its masks stay all ones", layer.layer(), n);
            return torch.ones(n);
        }
        Tensor scores = layer.rankable();
        if (forced != null) {
            scores = scores.masked_fill(forced, new Scalar(Double.NEGATIVE_INFINITY));
        }
        return Ranking.keepMaskPruning(scores, Ranking.prunedCount(n, layer.sparsity()));
    }
}
