package dev.shrink4j.prune;

import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.prune.core.Ranking;
import dev.shrink4j.prune.graph.DependencyGraph;
import dev.shrink4j.prune.graph.Group;
import dev.shrink4j.nn.HasChannelDependencies;
import dev.shrink4j.prune.maskers.FilterMasker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the one-shot filter pruners ({@link L1FilterPruner}, {@link L2FilterPruner},
 * {@link FpgmPruner}): prunes whole output filters of {@code Conv2d} layers, ranked by the
 * {@link FilterMasker} it has. Only {@code Conv2d} layers may be selected; selecting anything else
 * is a config error naming the entry and the layer.
 *
 * <p><b>Dependency-aware mode</b> (NNI's {@code dependency_aware=True}, {@link Builder#optDependencyAware}):
 * convolutions whose outputs are combined element-wise (a residual add) must prune the same channels,
 * or the add would mix pruned and kept channels. The {@link DependencyGraph} is built once in
 * {@code compress()} (declared by the model, or traced with a dummy input). For each group, counting
 * only its selected layers: the importances of the members are summed per channel, and
 * {@code floor(n·s_min)} channels with the lowest sum are pruned in every member ({@code s_min} the
 * smallest sparsity in the group); each member then prunes up to its own {@code floor(n·s)} by its own
 * importance. With equal sparsities all members get identical filter masks.
 */
public abstract class FilterPruner extends Pruner {

    private static final Logger LOG = LoggerFactory.getLogger(FilterPruner.class);

    private final FilterMasker filterMasker;
    private final boolean dependencyAware;
    private final long[] dummyInputShape;
    private DependencyGraph graph;
    private final Map<String, List<ModuleWrapper>> groupOf = new LinkedHashMap<>();

    /** A filter pruner; {@code dependencyAware} needs a dummy input shape unless the model declares its groups. */
    protected FilterPruner(Module model, ConfigList configList, Optimizer optimizer, FilterMasker masker,
            boolean dependencyAware, long[] dummyInputShape) {
        super(model, configList, optimizer, masker);
        this.filterMasker = masker;
        this.dependencyAware = dependencyAware;
        this.dummyInputShape = dummyInputShape == null ? new long[0] : dummyInputShape.clone();
    }

    /** Built from a {@link Builder}. */
    protected FilterPruner(Builder<?> b, FilterMasker masker) {
        super(b, masker);
        this.filterMasker = masker;
        this.dependencyAware = b.dependencyAware;
        this.dummyInputShape = b.dummyInputShape.clone();
    }

    /** The filter masker (the importance criterion). */
    public final FilterMasker filterMasker() {
        return filterMasker;
    }

    /** Whether channel-dependency groups are pruned together. */
    public final boolean isDependencyAware() {
        return dependencyAware;
    }

    /** The dependency graph, once {@code compress()} ran in dependency-aware mode. */
    public final Optional<DependencyGraph> dependencyGraph() {
        return Optional.ofNullable(graph);
    }

    /** The groups of wrapped layers pruned on common channels (each of two or more selected layers). */
    public final List<List<String>> dependencyGroups() {
        List<List<String>> out = new ArrayList<>();
        new LinkedHashMap<>(groupOf).values().stream().distinct()
                .forEach(g -> out.add(g.stream().map(ModuleWrapper::name).toList()));
        return out;
    }

    /** Adds: only Conv2d layers (these pruners remove convolution filters). */
    @Override
    protected ConfigSchema.Builder schemaBuilder() {
        return super.schemaBuilder().allowTypes("prunes Conv2d filters only", Conv2d.class);
    }

    @Override
    protected void afterWrap() {
        if (dependencyAware) {
            graph = DependencyGraph.of(model(), dummyInputShape);
            Map<String, ModuleWrapper> byName = new LinkedHashMap<>();
            getModulesWrapper().forEach(w -> byName.put(w.name(), w));
            for (Group g : graph.groups()) {
                List<ModuleWrapper> members = g.names().stream().filter(byName::containsKey).map(byName::get).toList();
                if (members.size() >= 2) {
                    members.forEach(w -> groupOf.put(w.name(), members));
                    LOG.info("{}: pruning {} on common channels", getClass().getSimpleName(),
                            members.stream().map(ModuleWrapper::name).toList());
                }
            }
        }
        updateMask();
    }

    @Override
    public void updateMask() {
        Set<List<ModuleWrapper>> done = new HashSet<>();
        for (ModuleWrapper w : getModulesWrapper()) {
            List<ModuleWrapper> group = groupOf.get(w.name());
            if (group == null) {
                calcMask(w);
            } else if (done.add(group)) {
                calcGroup(group, group);
            }
        }
    }

    /** Recomputes one layer's masks; a layer in a dependency group takes its group's common channels into account. */
    @Override
    public void calcMask(ModuleWrapper wrapper) {
        List<ModuleWrapper> group = groupOf.get(wrapper.name());
        if (group == null) {
            super.calcMask(wrapper);
        } else {
            calcGroup(group, List.of(wrapper));
        }
    }

    private void calcGroup(List<ModuleWrapper> group, List<ModuleWrapper> targets) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            double minSparsity = Double.POSITIVE_INFINITY;
            Tensor sum = null;
            for (ModuleWrapper w : group) {
                minSparsity = Math.min(minSparsity, targetSparsity(w));
                Tensor importance = filterMasker.importance(w).to(torch.ScalarType.Float);
                sum = sum == null ? importance : sum.add(importance);
            }
            long n = group.get(0).weight().size(0);
            Tensor commonPruned = Ranking.keepMaskPruning(sum, n < 2 ? 0 : Ranking.prunedCount(n, minSparsity))
                    .eq(new Scalar(0f));
            for (ModuleWrapper w : targets) {
                setMasks(w, filterMasker.calcMask(targetSparsity(w), w, commonPruned));
            }
        }
    }

    /**
     * Builder shared by the filter pruners: {@code setModel} and {@code setConfigList} are required;
     * {@code optOptimizer} and {@code optDependencyAware} are optional.
     *
     * @param <P> the pruner built
     */
    public static final class Builder<P extends FilterPruner> extends CompressorBuilder<Builder<P>> {
        private final Function<Builder<P>, P> factory;
        private boolean dependencyAware;
        private long[] dummyInputShape = new long[0];

        Builder(String algorithm, Function<Builder<P>, P> factory) {
            super(algorithm);
            this.factory = factory;
        }

        /**
         * Prunes channel-dependency groups on common channels.
         *
         * @param inputShape the dummy input's shape for tracing, e.g. {@code 1, 3, 32, 32}; may be empty when
         *                   the model implements {@link HasChannelDependencies}
         */
        public Builder<P> optDependencyAware(long... inputShape) {
            this.dependencyAware = true;
            this.dummyInputShape = inputShape == null ? new long[0] : inputShape.clone();
            return this;
        }

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
         * The pruner.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         */
        public P build() {
            return factory.apply(this);
        }
    }
}
