package dev.shrink4j.prune;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorChecks;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.core.Masks;
import dev.shrink4j.prune.core.WeightMasker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Base of the pruning algorithms. Each selected layer gets {@code weight_mask} (and
 * {@code bias_mask} when it has a bias) buffers, initially all ones; forward computes with
 * {@code weight * weight_mask}, so pruned weights contribute nothing and receive zero gradient,
 * while the stored weight (and the state-dict key {@code conv1.weight}) stays as it was.
 *
 * <p>Masks come from a {@link WeightMasker}: {@link #calcMask(ModuleWrapper)} asks it for one layer,
 * {@link #updateMask()} for all. By default masks are computed once in {@code compress()} (one-shot
 * pruning); algorithms that prune during training override {@link #afterWrap()} and the optimizer
 * hooks. Export with {@link #exportModel(Path, Path)}; re-apply with
 * {@link #applyCompressionResults(Module, Path)}.
 *
 * <p>A custom pruner is a masker and a constructor:
 * <pre>{@code
 * class RowPruner extends Pruner {
 *     RowPruner(Module model, ConfigList configList) {
 *         super(model, configList, null, (sparsity, w) -> Masks.of(rowMask(w.weight(), sparsity)));
 *     }
 * }
 * }</pre>
 */
public abstract class Pruner extends Compressor {

    /** Buffer name of the weight mask ({@link Masks#WEIGHT_MASK}). */
    public static final String WEIGHT_MASK = Masks.WEIGHT_MASK;
    /** Buffer name of the bias mask ({@link Masks#BIAS_MASK}). */
    public static final String BIAS_MASK = Masks.BIAS_MASK;

    private final WeightMasker masker;

    /**
     * @param model      the model to prune
     * @param configList which layers, at what sparsity
     * @param optimizer  the training optimizer, or null for one-shot use
     * @param masker     computes the masks
     */
    protected Pruner(Module model, ConfigList configList, Optimizer optimizer, WeightMasker masker) {
        super(model, configList, optimizer);
        this.masker = Objects.requireNonNull(masker, "masker");
    }

    /** The pruner {@code builder} describes (checked once by {@link CompressorBuilder#check()}), masking with {@code masker}. */
    protected Pruner(CompressorBuilder<?> builder, WeightMasker masker) {
        super(builder);
        this.masker = Objects.requireNonNull(masker, "masker");
    }

    /** The masker this pruner uses. */
    public final WeightMasker masker() {
        return masker;
    }

    /**
     * The standard pruning keys with {@code sparsity} (or {@code sparsity_per_layer}) required;
     * algorithms add their own keys to this builder.
     */
    protected ConfigSchema.Builder schemaBuilder() {
        return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.PRUNING)
                .require(ConfigKeys.SPARSITY, ConfigKeys.SPARSITY_PER_LAYER);
    }

    @Override
    protected ConfigSchema configSchema() {
        return schemaBuilder().build();
    }

    /** A selected layer must have a weight to prune. */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        if (layer.module().getParameter("weight") == null) {
            return List.of("config_list[" + config.index() + "]: " + layer.name() + " (" + layer.type()
                    + ") has no weight to prune");
        }
        return List.of();
    }

    @Override
    protected void wrap(ModuleWrapper w) {
        Tensor weightMask = w.registerBuffer(WEIGHT_MASK, torch.ones_like(w.weight()));
        w.track(w.module().registerParametrization("weight", weight -> weight.mul(weightMask)));
        if (w.bias() != null) {
            Tensor biasMask = w.registerBuffer(BIAS_MASK, torch.ones_like(w.bias()));
            w.track(w.module().registerParametrization("bias", bias -> bias.mul(biasMask)));
        }
    }

    /** One-shot by default: computes every mask once, right after wrapping. */
    @Override
    protected void afterWrap() {
        updateMask();
    }

    /** A loaded {@code weight_mask}/{@code bias_mask} must hold only 0 and 1 (a 0.5 would silently scale weights). */
    @Override
    protected String bufferValueProblem(ModuleWrapper wrapper, String name, Tensor value) {
        return name.equals(WEIGHT_MASK) || name.equals(BIAS_MASK) ? TensorChecks.nonBinary(value) : null;
    }

    /** The sparsity this layer should reach now (its config's, unless an algorithm schedules it). */
    protected double targetSparsity(ModuleWrapper wrapper) {
        return wrapper.config().sparsity();
    }

    /** Recomputes the masks of every wrapped layer. */
    public void updateMask() {
        for (ModuleWrapper w : getModulesWrapper()) {
            calcMask(w);
        }
    }

    /**
     * Recomputes one layer's masks through the masker and copies them into its buffers (in place:
     * the buffers keep their identity). Runs in its own pointer scope.
     */
    public void calcMask(ModuleWrapper wrapper) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            setMasks(wrapper, masker.calcMask(targetSparsity(wrapper), wrapper));
        }
    }

    /**
     * Allocates the layers {@code ranked} together through {@code masker} (as a global or
     * dependency-group allocator needs) and copies the masks of {@code targets} (some of {@code ranked})
     * into their buffers. Runs in its own pointer scope.
     */
    protected final void calcMasks(ImportanceMasker masker, List<ModuleWrapper> ranked, List<ModuleWrapper> targets) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Masks> masks = masker.calcMasks(ranked, this::targetSparsity);
            for (ModuleWrapper w : targets) {
                setMasks(w, masks.get(w.name()));
            }
        }
    }

    /** Copies {@code masks} into the wrapper's buffers, checking shapes. */
    protected final void setMasks(ModuleWrapper wrapper, Masks masks) {
        Tensor weightMask = wrapper.getBuffer(WEIGHT_MASK);
        checkShape(wrapper, "weight mask", masks.weightMask(), weightMask);
        weightMask.copy_(masks.weightMask());
        if (wrapper.hasBuffer(BIAS_MASK)) {
            Tensor biasMask = wrapper.getBuffer(BIAS_MASK);
            if (masks.biasMask() != null) {
                checkShape(wrapper, "bias mask", masks.biasMask(), biasMask);
                biasMask.copy_(masks.biasMask());
            }
        }
    }

    private static void checkShape(ModuleWrapper w, String what, Tensor got, Tensor expected) {
        if (!Arrays.equals(got.shape(), expected.shape())) {
            throw new IllegalStateException("the masker returned a " + what + " of shape " + Arrays.toString(got.shape())
                    + " for " + w.name() + ", which needs " + Arrays.toString(expected.shape()));
        }
    }

    /** The weight mask of layer {@code name}. */
    public final Tensor weightMask(String name) {
        return getWrapper(name).getBuffer(WEIGHT_MASK);
    }

    /** Per wrapped layer: the share of weight elements whose mask is zero. */
    public final Map<String, Double> layerSparsity() {
        Map<String, Double> out = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            for (ModuleWrapper w : getModulesWrapper()) {
                Tensor m = w.getBuffer(WEIGHT_MASK);
                out.put(w.name(), 1.0 - m.sum().item_double() / m.numel());
            }
        }
        return out;
    }

    /**
     * The masked state dict: the model's tensors with each wrapped weight and bias multiplied by its
     * mask, under the original keys. New tensors (created in the caller's scope).
     */
    public final Map<String, Tensor> maskedStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, ModuleWrapper> byName = new LinkedHashMap<>();
        getModulesWrapper().forEach(w -> byName.put(w.name(), w));
        try (NoGradGuard g = new NoGradGuard()) {
            model().stateDict().forEach((key, t) -> {
                int dot = key.lastIndexOf('.');
                ModuleWrapper w = dot < 0 ? null : byName.get(key.substring(0, dot));
                String leaf = key.substring(dot + 1);
                if (w != null && leaf.equals("weight")) {
                    out.put(key, t.detach().mul(w.getBuffer(WEIGHT_MASK)));
                } else if (w != null && leaf.equals("bias") && w.hasBuffer(BIAS_MASK)) {
                    out.put(key, t.detach().mul(w.getBuffer(BIAS_MASK)));
                } else {
                    out.put(key, t.detach().clone());
                }
            });
        }
        return out;
    }

    /**
     * Writes the masked weights (original state-dict names) and the masks as safetensors, each
     * atomically; see {@link PrunerExport}.
     *
     * @param maskPath where the masks go, or null to write only the model
     */
    public void exportModel(Path modelPath, Path maskPath) throws IOException {
        PrunerExport.exportModel(this, modelPath, maskPath);
    }

    /**
     * As {@link #exportModel(Path, Path)}, with {@code metadata} (architecture, input normalisation, …)
     * in both files' {@code __metadata__}; see {@link PrunerExport}.
     */
    public void exportModel(Path modelPath, Path maskPath, ModelMetadata metadata) throws IOException {
        PrunerExport.exportModel(this, modelPath, maskPath, metadata);
    }

    /** Multiplies a fresh model's weights by the masks in {@code maskPath}; see {@link PrunerExport}. */
    public static int applyCompressionResults(Module model, Path maskPath) throws IOException {
        return PrunerExport.applyCompressionResults(model, maskPath);
    }

    /** The masks as {@code <layer>.weight_mask} and {@code <layer>.bias_mask} (live buffers). */
    public final Map<String, Tensor> masks() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ModuleWrapper w : getModulesWrapper()) {
            out.put(w.name() + "." + WEIGHT_MASK, w.getBuffer(WEIGHT_MASK));
            if (w.hasBuffer(BIAS_MASK)) {
                out.put(w.name() + "." + BIAS_MASK, w.getBuffer(BIAS_MASK));
            }
        }
        return out;
    }
}
