package dev.shrink4j.collect;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * First-order Taylor importance per filter (Molchanov et al. 2019; NNI's
 * {@code TaylorFOWeightFilterPrunerMasker.calc_contributions}): for filter {@code f} of the attached
 * layer's weight {@code W [out, ...]},
 *
 * <pre>score[f] = Σ_batches Σ_(i in filter f) (W[f, i] · ∂L/∂W[f, i])²</pre>
 *
 * <p>Gradients exist only after {@code backward()}, so no forward hook can compute this: attaching
 * only registers the layer, and {@link #accumulate()} adds one batch to every attached layer from the
 * weight and its current gradient. {@code TaylorFoWeightFilterPruner} calls it from its
 * after-optimizer-step hook, as NNI does (the gradient of the step, the weight just updated);
 * without an optimizer, call it yourself after each {@code backward()}.
 */
public final class TaylorScoreCollector extends ChannelStatisticsCollector {

    private final Map<String, ModuleWrapper> wrappers = new LinkedHashMap<>();

    @Override
    protected HookHandle install(ModuleWrapper wrapper) {
        String name = wrapper.name();
        wrappers.put(name, wrapper);
        return () -> wrappers.remove(name);
    }

    /**
     * Adds one batch to every attached layer: per filter, the sum of {@code (W·grad)²}.
     *
     * @throws IllegalStateException naming the layer when its weight has no gradient yet
     */
    public void accumulate() {
        for (String name : attachedLayers()) {
            ModuleWrapper w = wrappers.get(name);
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor weight = w.weight();
                Tensor grad = weight.grad();
                if (!grad.defined()) {
                    throw new IllegalStateException(kind() + ": " + name + ".weight has no gradient; call accumulate() after backward()");
                }
                Tensor product = weight.detach().mul(grad);
                Tensor squared = product.mul(product);
                double[] perFilter = perChannelSum(squared.transpose(0, 1), name, kind());
                add(name, perFilter, squared.numel() / weight.size(0));
            }
        }
    }

    @Override
    protected String batchHint() {
        return "call accumulate() after a backward pass while the collector is attached";
    }

    /** The accumulated Taylor importance per filter: larger means more important. */
    @Override
    public double[] scores(String name) {
        return sums(name);
    }
}
