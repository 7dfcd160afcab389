package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.HasChannelDependencies;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.prune.allocate.DependencyGroupAllocator;
import dev.shrink4j.prune.allocate.GlobalAllocator;
import dev.shrink4j.prune.allocate.ImportanceMasker;
import dev.shrink4j.prune.allocate.PerLayerAllocator;
import dev.shrink4j.prune.allocate.SparsityAllocator;
import dev.shrink4j.prune.importance.Importance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the filter pruners (L1, L2, FPGM, and through {@link ScoreCollectingFilterPruner} Taylor,
 * APoZ and mean activation): prunes whole output filters of {@code Conv2d} layers, scored by its
 * {@link Importance} and allocated by a {@link SparsityAllocator}. Only {@code Conv2d} layers may be
 * selected; selecting anything else is a config error naming the entry and the layer.
 *
 * <p><b>Per layer</b> (default, {@link PerLayerAllocator}): of a layer's {@code n} filters exactly
 * {@code floor(n·s)} with the lowest importance are pruned, lower filter index first on ties, filters
 * already pruned (all-zero weight mask) before any other, so recomputing never revives one; the bias
 * mask follows the filter mask; a layer with fewer than 2 filters keeps all-ones masks (logged).
 *
 * <p><b>Dependency-aware</b> (NNI's {@code dependency_aware=True}, {@link BaseBuilder#optDependencyAware}):
 * convolutions whose outputs are combined element-wise (a residual add) must prune the same channels,
 * or the add would mix pruned and kept channels; so must a convolution and the depthwise convolution that
 * reads its output. The groups are found once in {@code compress()}, before any layer is wrapped: declared by
 * a model that implements {@link HasChannelDependencies}, or else traced with an all-ones dummy input into a
 * {@link ModelGraph} whose {@link DependencyGroups} give, per channel group, the selected convolutions on the
 * same channels, joined with the members at an offset whose channels overlap theirs: behind a zero-padded
 * "option A" shortcut, filter {@code c} of one stage is channel {@code c + before} of the next, so an option-A
 * ResNet's stem and residual branches of all stages are one group, ranked once over its channels (each channel's
 * importance summed over the members covering it), each member losing exactly the pruned channels it covers. A model the tracer cannot follow (an operation outside
 * any module) is an error naming it. The groups, counting only selected layers, are allocated by a
 * {@link DependencyGroupAllocator}: the members' importances are
 * summed per channel and {@code floor(n·s_min)} channels with the lowest sum are pruned in every member
 * ({@code s_min} the smallest sparsity in the group); each member then prunes up to its own
 * {@code floor(n·s)} by its own importance. With equal sparsities all members get identical filter masks.
 *
 * <p><b>Global sort</b> (NNI's {@code global_sort=True}, {@link BaseBuilder#optGlobalSort}): the filters of all
 * selected layers are ranked together ({@link GlobalAllocator}) and the {@code floor(N·s)} lowest
 * importances across all of them are pruned, so layers lose different shares; every selected layer must
 * then have the same sparsity (a config error otherwise). Scores are compared across layers as they are:
 * the criterion should be comparable between layers (Taylor's and APoZ's are; raw filter norms favour
 * layers with larger fan-in).
 *
 * <p><b>Both</b>: the global ranking counts each dependency group's shared channel as <em>one</em> unit,
 * scored by the mean of its members' importances and pruned in every member or in none; {@code N} counts
 * a shared channel once.
 */
public abstract class FilterPruner extends Pruner {

    private static final Logger LOG = LoggerFactory.getLogger(FilterPruner.class);

    private final Importance importance;
    private final boolean dependencyAware;
    private final boolean globalSort;
    private final long[] dummyInputShape;
    private DependencyGroups traced;
    private Map<String, int[]> channelsOf = Map.of();
    private final Map<String, List<ModuleWrapper>> groupOf = new LinkedHashMap<>();
    private SparsityAllocator allocator = new PerLayerAllocator();
    private final SharedSparsity sharedSparsity = new SharedSparsity();

    /** Built from a builder, scoring filters with {@code importance}. */
    protected FilterPruner(BaseBuilder<?> b, Importance importance) {
        super(b, ImportanceMasker.perLayer(importance));
        this.importance = importance;
        this.dependencyAware = b.dependencyAware;
        this.globalSort = b.globalSort;
        this.dummyInputShape = b.dummyInputShape.clone();
    }

    /** Adds: only Conv2d layers (these pruners remove convolution filters). */
    @Override
    protected ConfigSchema.Builder schemaBuilder() {
        return super.schemaBuilder().allowTypes("prunes Conv2d filters only", Conv2d.class);
    }

    /** The importance criterion filters are ranked by. */
    public final Importance importance() {
        return importance;
    }

    /** Adds, with global sort: every selected layer has the sparsity of the first. */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        LayerConfig first = globalSort && !config.exclude() ? sharedSparsity.conflictOf(config) : null;
        if (first != null) {
            errors.add("config_list[" + config.index() + "]: " + layer.name() + " has sparsity " + config.sparsity()
                    + " but global_sort needs one sparsity for all layers (the first selected layer has " + first.sparsity() + ")");
        }
        return errors;
    }

    /** Whether channel-dependency groups are pruned together. */
    public final boolean isDependencyAware() {
        return dependencyAware;
    }

    /** Whether the filters of all selected layers are ranked together. */
    public final boolean globalSort() {
        return globalSort;
    }

    /**
     * Adds, in dependency-aware mode: before the first layer is wrapped, traces the model (unless it declares
     * its groups), so the trace sees the model as it was given.
     */
    @Override
    protected void wrap(ModuleWrapper w) {
        if (dependencyAware && getModulesWrapper().get(0) == w) {
            traced = model() instanceof HasChannelDependencies ? null
                    : FilterGroups.trace(getClass().getSimpleName(), model(), dummyInputShape);
        }
        super.wrap(w);
    }

    /** Plans the allocation, then computes every mask (one-shot). */
    @Override
    protected void afterWrap() {
        planAllocation();
        updateMask();
    }

    /**
     * Finds the dependency groups among the wrapped layers (dependency-aware mode) and chooses the
     * allocator; subclasses that compute masks later call this from their {@link #afterWrap()}.
     */
    protected final void planAllocation() {
        groupOf.clear();
        channelsOf = Map.of();
        if (dependencyAware) {
            Map<String, ModuleWrapper> byName = new LinkedHashMap<>();
            getModulesWrapper().forEach(w -> byName.put(w.name(), w));
            FilterGroups.Tied tied = model() instanceof HasChannelDependencies declaring
                    ? new FilterGroups.Tied(FilterGroups.declared(model(), declaring.channelDependencies(), byName.keySet()), Map.of())
                    : traced == null ? new FilterGroups.Tied(List.of(), Map.of())
                    : FilterGroups.traced(traced, model(), byName.keySet(), Conv2d.class);
            channelsOf = tied.channelsOf();
            for (List<String> g : tied.groups()) {
                List<ModuleWrapper> members = g.stream().map(byName::get).toList();
                members.forEach(w -> groupOf.put(w.name(), members));
                LOG.info("{}: pruning {} on common channels", getClass().getSimpleName(), g);
            }
        }
        List<List<String>> groups = dependencyGroups();
        allocator = globalSort ? new GlobalAllocator(groups, channelsOf)
                : dependencyAware ? new DependencyGroupAllocator(groups, channelsOf) : new PerLayerAllocator();
    }

    /**
     * How the masks are allocated: per layer until {@code compress()}, then per layer, per dependency
     * group or globally, as the options say. ({@link #masker()} is this pruner's importance allocated per
     * layer, for a layer on its own.)
     */
    public final SparsityAllocator allocator() {
        return allocator;
    }

    /**
     * The model's traced channel groups (with their {@link DependencyGroups#graph() graph}), once
     * {@code compress()} ran in dependency-aware mode on a model that does not declare its groups.
     */
    public final Optional<DependencyGroups> tracedGroups() {
        return Optional.ofNullable(traced);
    }

    /** The groups of wrapped layers pruned on common channels (each of two or more selected layers). */
    public final List<List<String>> dependencyGroups() {
        List<List<String>> out = new ArrayList<>();
        groupOf.values().stream().distinct().forEach(g -> out.add(g.stream().map(ModuleWrapper::name).toList()));
        return out;
    }

    /** Recomputes every layer's masks through the allocator. */
    @Override
    public void updateMask() {
        calcMasks(new ImportanceMasker(importance, allocator), getModulesWrapper(), getModulesWrapper());
    }

    /**
     * Recomputes one layer's masks; what it is ranked with (its dependency group, or every layer under
     * global sort) is scored too, but only this layer's masks change.
     */
    @Override
    public void calcMask(ModuleWrapper wrapper) {
        List<ModuleWrapper> rankedWith = globalSort ? getModulesWrapper() : groupOf.getOrDefault(wrapper.name(), List.of(wrapper));
        calcMasks(new ImportanceMasker(importance, allocator), rankedWith, List.of(wrapper));
    }

    /**
     * Options shared by the filter pruners' builders: {@code setModel} and {@code setConfigList} are
     * required; {@code optOptimizer}, {@code optDependencyAware} and {@code optGlobalSort} are optional.
     *
     * @param <B> the concrete builder
     */
    public abstract static class BaseBuilder<B extends BaseBuilder<B>> extends CompressorBuilder<B> {
        private boolean dependencyAware;
        private long[] dummyInputShape = new long[0];
        private boolean globalSort;

        /** @param pruner the pruner's simple class name, for error messages */
        protected BaseBuilder(String pruner) {
            super(pruner);
        }

        /** Throws naming the first missing or invalid option. */
        @Override
        protected void check() {
            super.check();
            if (dependencyAware && dummyInputShape.length == 0
                    && !(model() instanceof HasChannelDependencies)) {
                throw new IllegalArgumentException(compressorName() + ": dependency-aware pruning of "
                        + model().typeName() + " needs a dummy input shape (optDependencyAware(1, 3, 32, 32)), since it"
                        + " does not implement HasChannelDependencies");
            }
        }

        /**
         * {@code dependency_aware}: prunes channel-dependency groups on common channels.
         *
         * @param inputShape the dummy input's shape for tracing ({@link ModelGraph#trace}, on all ones), e.g.
         *                   {@code 1, 3, 32, 32}; may be empty when
         *                   the model implements {@link HasChannelDependencies}
         */
        public B optDependencyAware(long... inputShape) {
            this.dependencyAware = true;
            this.dummyInputShape = inputShape == null ? new long[0] : inputShape.clone();
            return self();
        }

        /** {@code global_sort}: rank the filters of all selected layers together, default false. */
        public B optGlobalSort(boolean globalSort) {
            this.globalSort = globalSort;
            return self();
        }
    }

    /**
     * Builder of the one-shot filter pruners (L1, L2, FPGM).
     *
     * @param <P> the pruner built
     */
    public static final class Builder<P extends FilterPruner> extends BaseBuilder<Builder<P>> {
        private final Function<Builder<P>, P> factory;

        Builder(String algorithm, Function<Builder<P>, P> factory) {
            super(algorithm);
            this.factory = factory;
        }

        /**
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public P build() {
            return factory.apply(this);
        }
    }
}
