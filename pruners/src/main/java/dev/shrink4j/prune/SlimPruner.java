package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.allocate.GlobalAllocator;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.importance.Importances;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Network slimming (NNI's {@code SlimPruner}; Liu et al., "Learning Efficient Convolutional Networks
 * through Network Slimming"): {@link Importances#BATCH_NORM_SCALE} under one {@link GlobalAllocator}.
 * Selects {@code BatchNorm2d} layers ({@code op_types: ["BatchNorm2d"]}); selecting anything else is a
 * config error.
 *
 * <p><b>Sparsity training.</b> With an optimizer, before each optimizer step the L1 subgradient of
 * the scaling factors is added to their gradients: {@code γ.grad += scale · sign(γ)} for every
 * selected layer whose γ has a gradient ({@code scale} default {@value #DEFAULT_SCALE}). This pushes
 * unimportant channels' γ towards zero.
 *
 * <p><b>Masks.</b> One global threshold over all selected layers: of the {@code N} channels in total,
 * exactly {@code floor(N·s)} with the smallest {@code |γ · weight_mask|} are pruned, ties in (layer
 * order, channel index) order, channels already pruned first; the pruned channel's β is masked too (the
 * bias mask follows). Unlike NNI, which prunes every channel equal to the k-th smallest |γ|, ties never
 * prune more than {@code floor(N·s)}. NNI prunes slim with one sparsity, so every config entry that
 * selects a layer must give the same sparsity (else a config error). Masks are computed in {@code compress()} unless
 * {@link Builder#optMaskOnCompress(boolean) optMaskOnCompress(false)}: then they stay all ones until
 * {@link #updateMask()}, the usual flow being compress → sparsity-train → {@code updateMask()} →
 * fine-tune. γ and β are masked through the layer's parametrizations ({@code weight}, {@code bias}).
 */
public class SlimPruner extends Pruner {

    /** The default sparsity-regularisation scale {@code s} of the paper. */
    public static final double DEFAULT_SCALE = 1e-4;

    private final ImportanceMasker slimMasker;
    private final double scale;
    private final boolean maskOnCompress;
    private final SharedSparsity sharedSparsity = new SharedSparsity();
    private final List<Integer> reported = new ArrayList<>();

    /** One-shot slimming without sparsity training: masks from the current γ. */
    public SlimPruner(Module model, ConfigList configList) {
        this(builder().setModel(model).setConfigList(configList));
    }

    /** Slimming with sparsity training through {@code optimizer} at the default scale. */
    public SlimPruner(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    /** Built from a {@link #builder()}. */
    protected SlimPruner(Builder b) {
        this(b, new ImportanceMasker(Importances.BATCH_NORM_SCALE, new GlobalAllocator()));
    }

    private SlimPruner(Builder b, ImportanceMasker masker) {
        super(b, masker);
        this.slimMasker = masker;
        this.scale = b.scale;
        this.maskOnCompress = b.maskOnCompress;
    }

    /** A builder: {@code setModel}, {@code setConfigList}, then {@code optOptimizer}, {@code optScale}, {@code optMaskOnCompress}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The sparsity-regularisation scale. */
    public final double scale() {
        return scale;
    }

    /** Adds: only BatchNorm2d layers (their scaling factors are what Slim ranks). */
    @Override
    protected ConfigSchema.Builder schemaBuilder() {
        return super.schemaBuilder().allowTypes("prunes BatchNorm2d channels only", BatchNorm2d.class);
    }

    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        LayerConfig first = sharedSparsity.conflictOf(config);
        if (first != null && !reported.contains(config.index())) {
            reported.add(config.index());
            errors.add("config_list[" + config.index() + "].sparsity: " + config.sparsity() + " differs from config_list["
                    + first.index() + "].sparsity " + first.sparsity()
                    + "; SlimPruner ranks all selected BatchNorm2d layers under one global sparsity");
        }
        return errors;
    }

    @Override
    protected void afterWrap() {
        if (maskOnCompress) {
            updateMask();
        }
    }

    /** Recomputes every layer's masks under one global ranking. */
    @Override
    public void updateMask() {
        calcMasks(slimMasker, getModulesWrapper(), getModulesWrapper());
    }

    /** Recomputes one layer's masks: its share of the global ranking over every selected layer. */
    @Override
    public void calcMask(ModuleWrapper wrapper) {
        calcMasks(slimMasker, getModulesWrapper(), List.of(wrapper));
    }

    /** Adds {@code scale · sign(γ)} to each selected γ's gradient (layers without a gradient this step are left alone, as the optimizer leaves them). */
    @Override
    protected void beforeOptimizerStep() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (ModuleWrapper w : getModulesWrapper()) {
                Tensor gamma = w.weight();
                Tensor grad = gamma.grad();
                if (grad.defined()) {
                    grad.add_(gamma.detach().sign().mul(new Scalar(scale)));
                }
            }
        }
    }

    /** Builder for {@link SlimPruner}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder extends CompressorBuilder<Builder> {
        private double scale = DEFAULT_SCALE;
        private boolean maskOnCompress = true;

        private Builder() {
            super("SlimPruner");
        }

        /** The penalty scale, ≥ 0 (default {@value SlimPruner#DEFAULT_SCALE}). */
        public Builder optScale(double s) {
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("SlimPruner scale must be a finite number ≥ 0, got " + s);
            }
            this.scale = s;
            return this;
        }

        /** Whether {@code compress()} computes the masks (default true); false leaves them all ones until {@code updateMask()}. */
        public Builder optMaskOnCompress(boolean on) {
            this.maskOnCompress = on;
            return this;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing field
         */
        public SlimPruner build() {
            return new SlimPruner(this);
        }
    }
}
