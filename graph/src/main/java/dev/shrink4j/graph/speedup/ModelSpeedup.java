package dev.shrink4j.graph.speedup;

import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physical speedup (NNI's {@code ModelSpeedup}): turns pruning masks into a smaller model, in place. The
 * masks are keyed as shrink4j's masks files key them, {@code <layer>.weight_mask} and
 * {@code <layer>.bias_mask}:
 * <pre>
 * Map&lt;String, Tensor&gt; masks = SafeTensors.load(Path.of("masks.safetensors"));
 * SpeedupResult r = ModelSpeedup.apply(model, torch.zeros(1, 3, 32, 32), masks);
 * System.out.print(r.summary());
 * </pre>
 *
 * <p>What becomes a shape change. A {@code Conv2d} or {@code Linear} weight mask whose every filter (row) is
 * all ones or all zeros removes the zero filters; a {@code BatchNorm} weight mask (network slimming) removes
 * the channels it zeroes. Each removed filter is a channel of a {@link dev.shrink4j.graph.ChannelGroup}: it
 * leaves every member of the group, which get new, smaller {@code weight}, {@code bias} and running-statistics
 * tensors holding the kept slices (the state-dict keys stay, the shapes shrink); a zero-padded shortcut is
 * re-padded. Members without masks of their own follow the group ({@link SpeedupResult#unmaskedRemovals()}).
 * Any other mask (zeros that are not whole filters, as a level pruner's) stays a mask: it is multiplied into
 * the weights and the layer is listed in {@link SpeedupResult#leftMasked()}.
 *
 * <p>Equivalence. When every output member of a group is masked (as {@link ChannelMasks#of} writes them), the
 * removed channels were exactly zero in the masked model and the shrunk model computes the same function
 * in evaluation mode. Masks on the convolutions alone leave the batch norms after them emitting a constant
 * {@code β − γ·μ/σ} in the masked model, which the shrunk model drops (NNI's speedup does the same): fine-tune
 * afterwards.
 *
 * <p>Bad input. Every problem is collected before anything changes, and reported in one
 * {@link SpeedupException} naming the mask key or layer: keys that are not {@code <layer>.weight_mask}/
 * {@code bias_mask} of a parameter of the model, masks of the wrong shape or dtype, values other than 0 and
 * 1, a bias mask that disagrees with its filters, a channel pruned by one member of a group and kept by
 * another, a pinned channel pruned (one that reaches the model's input or output, or passes an unknown
 * layer), a layer left without channels, and a model that a compressor still wraps (parametrized weights).
 * Then the model is exactly as it was.
 */
public final class ModelSpeedup {

    /** The suffix of a weight mask's key ({@code conv1.weight_mask}). */
    public static final String WEIGHT_MASK = "weight_mask";
    /** The suffix of a bias mask's key ({@code conv1.bias_mask}). */
    public static final String BIAS_MASK = "bias_mask";

    private static final Logger LOG = LoggerFactory.getLogger(ModelSpeedup.class);

    private ModelSpeedup() {
    }

    /**
     * Traces {@code model} on {@code exampleInput}, groups its channels and applies {@code masks}.
     *
     * @throws dev.shrink4j.graph.TraceException when the model cannot be traced (nothing changed)
     * @throws SpeedupException                 listing every problem with the masks (nothing changed)
     */
    public static SpeedupResult apply(Module model, Tensor exampleInput, Map<String, Tensor> masks) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(masks, "masks");
        long start = System.nanoTime();
        return apply(DependencyGroups.of(ModelGraph.trace(model, exampleInput)), masks, start);
    }

    /**
     * Applies {@code masks} to the model {@code groups} were computed for ({@link ModelGraph#model()}); the
     * groups must be fresh (the model not resized since it was traced).
     *
     * @throws SpeedupException listing every problem with the masks (nothing changed)
     */
    public static SpeedupResult apply(DependencyGroups groups, Map<String, Tensor> masks) {
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(masks, "masks");
        return apply(groups, masks, System.nanoTime());
    }

    private static SpeedupResult apply(DependencyGroups groups, Map<String, Tensor> masks, long start) {
        Module model = groups.graph().model();
        long before = model.parameterCount();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            SpeedupPlan plan = SpeedupPlan.validate(groups, masks);
            List<ResizedLayer> resized = plan.execute();
            SpeedupResult result = new SpeedupResult(resized, plan.leftMasked(), plan.unmaskedRemovals(), before,
                    model.parameterCount(), System.nanoTime() - start);
            if (!result.unmaskedRemovals().isEmpty()) {
                LOG.info("speedup of {}: {} layers lost channels without a mask of their own (their removed outputs are"
                        + " dropped even where the masked model did not zero them): {}", model.typeName(),
                        result.unmaskedRemovals().size(), result.unmaskedRemovals().keySet());
            }
            LOG.debug("{}", result.summary());
            return result;
        }
    }
}
