package dev.shrink4j.prune.maskers;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.core.WeightMasker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Network slimming (Liu et al., "Learning Efficient Convolutional Networks through Network
 * Slimming"; NNI's {@code SlimPrunerMasker}): batch-norm channels are ranked by their scaling factor
 * under <em>one global threshold</em> over all the layers it is bound to.
 *
 * <p>Rule: the units are the channels of every bound batch-norm layer, {@code N} in all, each scoring
 * {@code |γ_c · m_c|} (γ masked by the current {@code weight_mask}). Exactly {@code floor(N·s)}
 * channels are pruned globally, the lowest scores; ties go in (layer order, channel index) order,
 * i.e. the lower index of the concatenation of all layers' γ ({@link Ranking}). A pruned channel's
 * γ and β are both masked: the bias mask follows the weight mask. Unlike NNI, which prunes every
 * channel equal to the k-th smallest |γ|, ties never prune more than {@code floor(N·s)}.
 *
 * <p>The masker is stateful only in what it ranks over: {@link #bind(List)} it to the pruner's
 * layers before computing masks ({@code SlimPruner} does so when it wraps).
 */
public final class SlimMasker implements WeightMasker {

    private List<ModuleWrapper> layers;

    /** Sets the layers the global threshold ranges over, in model order. */
    public void bind(List<ModuleWrapper> boundLayers) {
        this.layers = List.copyOf(boundLayers);
    }

    /** The layers bound by {@link #bind(List)}, or an empty list. */
    public List<ModuleWrapper> layers() {
        return layers == null ? List.of() : layers;
    }

    /**
     * The masks of every layer in {@code group} at the global {@code sparsity}, by layer name in the
     * group's order.
     */
    public static Map<String, Masks> calcMasks(double sparsity, List<ModuleWrapper> group) {
        Tensor[] scores = new Tensor[group.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = MaskedWeight.of(group.get(i)).abs().flatten().to(torch.ScalarType.Float);
        }
        Tensor keep = Ranking.keepMask(torch.cat(new TensorVector(scores)), sparsity);
        Map<String, Masks> out = new LinkedHashMap<>();
        long offset = 0;
        for (ModuleWrapper w : group) {
            long n = w.weight().numel();
            Tensor layerKeep = keep.narrow(0, offset, n).view(w.weight().shape());
            offset += n;
            Tensor bias = w.bias();
            out.put(w.name(), new Masks(layerKeep.to(w.weight().scalar_type()),
                    bias == null ? null : layerKeep.reshape(bias.shape()).to(bias.scalar_type())));
        }
        return out;
    }

    /**
     * This layer's share of the global ranking over the bound layers.
     *
     * @throws IllegalStateException when unbound, or when {@code wrapper} is not one of the bound layers
     */
    @Override
    public Masks calcMask(double sparsity, ModuleWrapper wrapper) {
        if (layers == null) {
            throw new IllegalStateException("SlimMasker is not bound to any layers: call bind(layers) first, so the"
                    + " global threshold knows what it ranges over");
        }
        if (!layers.contains(wrapper)) {
            throw new IllegalStateException(wrapper.name() + " is not one of the layers SlimMasker is bound to: "
                    + layers.stream().map(ModuleWrapper::name).toList());
        }
        return calcMasks(sparsity, layers).get(wrapper.name());
    }
}
