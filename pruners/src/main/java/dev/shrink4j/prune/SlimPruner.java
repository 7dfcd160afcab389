package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.allocate.GlobalAllocator;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.importance.Importances;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p><b>Dependency-aware</b> ({@link Builder#optDependencyAware}, off by default): batch norms whose outputs are
 * added (the last batch norms of the residual branches of one stage and the shortcut's) must keep the same
 * channels, or the add mixes pruned and kept channels and the model cannot shrink. The model is traced once in
 * {@code compress()}, before any layer is wrapped, on an all-ones dummy input; the selected batch norms on the
 * same channels of a {@link DependencyGroups} group, index for index, rank each shared channel as <em>one</em>
 * unit of the global ranking ({@link GlobalAllocator}'s groups), scored by the mean of the members' |γ| and
 * pruned in every member or in none; {@code N} counts a shared channel once. Members at an offset (behind a
 * zero-padded "option A" shortcut) join the group: each group channel is scored by the mean |γ| of the members
 * covering it, and each member loses exactly the pruned channels it covers.
 */
public class SlimPruner extends Pruner {

    /** The default sparsity-regularisation scale {@code s} of the paper. */
    public static final double DEFAULT_SCALE = 1e-4;

    private static final Logger LOG = LoggerFactory.getLogger(SlimPruner.class);

    private ImportanceMasker slimMasker;
    private final double scale;
    private final boolean maskOnCompress;
    private final long[] dummyInputShape;
    private DependencyGroups traced;
    private List<List<String>> dependencyGroups = List.of();
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
        this.dummyInputShape = b.dummyInputShape == null ? null : b.dummyInputShape.clone();
    }

    /** A builder: {@code setModel}, {@code setConfigList}, then {@code optOptimizer}, {@code optScale}, {@code optMaskOnCompress}, {@code optDependencyAware}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether batch norms whose outputs are added are ranked on common channels. */
    public final boolean isDependencyAware() {
        return dummyInputShape != null;
    }

    /**
     * The groups of selected batch norms ranked on common channels (each of two or more layers, in model order),
     * once {@code compress()} ran in dependency-aware mode; empty otherwise.
     */
    public final List<List<String>> dependencyGroups() {
        return dependencyGroups;
    }

    /** The model's traced channel groups, once {@code compress()} ran in dependency-aware mode. */
    public final Optional<DependencyGroups> tracedGroups() {
        return Optional.ofNullable(traced);
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

    /**
     * Adds, in dependency-aware mode: before the first layer is wrapped, traces the model, so the trace sees
     * the model as it was given.
     */
    @Override
    protected void wrap(ModuleWrapper w) {
        if (isDependencyAware() && getModulesWrapper().get(0) == w) {
            traced = FilterGroups.trace(getClass().getSimpleName(), model(), dummyInputShape);
        }
        super.wrap(w);
    }

    /** Finds the dependency groups (dependency-aware mode), then computes the masks unless told not to. */
    @Override
    protected void afterWrap() {
        if (isDependencyAware()) {
            List<String> selected = getModulesWrapper().stream().map(ModuleWrapper::name).toList();
            FilterGroups.Tied tied = FilterGroups.traced(traced, model(), selected, BatchNorm2d.class);
            dependencyGroups = tied.groups();
            dependencyGroups.forEach(g -> LOG.info("SlimPruner: ranking {} on common channels", g));
            slimMasker = new ImportanceMasker(Importances.BATCH_NORM_SCALE, new GlobalAllocator(dependencyGroups, tied.channelsOf()));
        }
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
        private long[] dummyInputShape;

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
         * {@code dependency_aware}: batch norms whose outputs are added are ranked on common channels.
         *
         * @param inputShape the dummy input's shape for tracing ({@link ModelGraph#trace}, on all ones), e.g.
         *                   {@code 1, 3, 32, 32}
         * @throws IllegalArgumentException when the shape is empty or has a dimension below 1
         */
        public Builder optDependencyAware(long... inputShape) {
            if (inputShape == null || inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(d -> d < 1)) {
                throw new IllegalArgumentException("SlimPruner: dependency-aware pruning needs a dummy input shape of"
                        + " positive dimensions (optDependencyAware(1, 3, 32, 32)), got "
                        + (inputShape == null ? "null" : Arrays.toString(inputShape)));
            }
            this.dummyInputShape = inputShape.clone();
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
