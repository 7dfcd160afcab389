package dev.shrink4j.prune;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.GroupMember;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.HasChannelDependencies;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups a dependency-aware {@link FilterPruner} prunes on common channels: sets of two or more selected
 * {@code Conv2d} layers whose output channels are tied index for index, so that filter {@code c} of one goes
 * exactly when filter {@code c} of every other goes. Each group lists its layers in model order
 * ({@link Module#namedModules()}), and the groups are ordered by their first layer.
 *
 * <p>From a trace ({@link #traced}): the output-channel members of each {@link ChannelGroup} that are selected
 * layers of one type, joined where their channels overlap. Members on the same group channels index for index
 * (the convolutions of a residual add, a convolution and the depthwise convolution after it) form one group;
 * members at other offsets whose channels overlap theirs join it: behind a zero-padded "option A" shortcut,
 * filter {@code c} of a stage is channel {@code c + before} of the next, so an option-A ResNet's stem and the
 * residual branches of all stages are one group, with each member's channel map ({@link Tied#channelsOf()}) for
 * the allocators, which rank the group's channels once. Operands of a concatenation sit on disjoint channels and
 * are never joined.
 *
 * <p>From a declaration ({@link #declared}, {@link HasChannelDependencies}): the declared sets, sets that share
 * a layer merged, restricted to the selected layers.
 */
final class FilterGroups {

    private static final Logger LOG = LoggerFactory.getLogger(FilterGroups.class);

    private FilterGroups() {
    }

    /**
     * The channel groups of {@code model}, traced on an all-ones input of shape {@code inputShape}.
     *
     * @param pruner the pruner's simple class name, for the error message
     * @throws IllegalArgumentException naming the pruner, the model and the shape when the tracer cannot follow the model
     */
    static DependencyGroups trace(String pruner, Module model, long[] inputShape) {
        try (PointerScope scope = new PointerScope()) {
            return DependencyGroups.of(ModelGraph.trace(model, torch.ones(inputShape)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pruner + ": dependency-aware pruning traces " + model.typeName()
                    + " with a dummy input of shape " + Arrays.toString(inputShape) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Groups of layers pruned on one choice of channels, and where members cover the group's channels at an
     * offset, the group channel of each of their units (the group's channels numbered {@code 0 … width−1}).
     *
     * @param groups     each group's layers in model order, the groups ordered by their first layer
     * @param channelsOf the channel maps of the members of groups at offsets; empty for other groups
     */
    record Tied(List<List<String>> groups, Map<String, int[]> channelsOf) {
    }

    /**
     * The groups of {@code selected} convolutions in the traced {@code groups} of {@code model}.
     *
     * @param selected the names of the selected layers
     */
    static List<List<String>> traced(DependencyGroups groups, Module model, Collection<String> selected) {
        return traced(groups, model, selected, Conv2d.class).groups();
    }

    /**
     * The groups of {@code selected} layers of type {@code type} (convolutions, or the batch norms Slim prunes)
     * whose output channels are tied in the traced {@code groups} of {@code model}: members on the same group
     * channels index for index, joined with the members at other offsets whose channels overlap theirs (the
     * stages of an option-A ResNet); members on disjoint channels (the operands of a concatenation) stay apart.
     *
     * @param selected the names of the selected layers
     */
    static Tied traced(DependencyGroups groups, Module model, Collection<String> selected, Class<? extends Module> type) {
        Set<String> chosen = new HashSet<>(selected);
        List<Set<String>> out = new ArrayList<>();
        Map<String, int[]> channelsOf = new LinkedHashMap<>();
        for (ChannelGroup g : groups.groups()) {
            Map<List<Integer>, Set<String>> byMapping = new LinkedHashMap<>();
            for (GroupMember m : g.members()) {
                if (m.dim() == ChannelDim.OUT && type.isInstance(m.module()) && chosen.contains(m.layer())) {
                    byMapping.computeIfAbsent(mapping(m), k -> new LinkedHashSet<>()).add(m.layer());
                }
            }
            for (List<List<Integer>> cluster : overlappingClusters(byMapping.keySet())) {
                Set<String> layers = new LinkedHashSet<>();
                cluster.forEach(mapping -> layers.addAll(byMapping.get(mapping)));
                if (layers.size() < 2) {
                    continue;
                }
                out.add(layers);
                if (cluster.size() > 1) {
                    LOG.info("{} ties {} at different channel offsets (a zero-padded shortcut): they are pruned on one"
                            + " choice of the group's channels", g, layers);
                    List<Integer> channels = cluster.stream().flatMap(List::stream).distinct().sorted().toList();
                    for (List<Integer> mapping : cluster) {
                        int[] at = mapping.stream().mapToInt(channels::indexOf).toArray();
                        byMapping.get(mapping).forEach(layer -> channelsOf.put(layer, at));
                    }
                }
            }
        }
        return new Tied(inModelOrder(model, out), channelsOf);
    }

    /**
     * The declared groups of {@code model}, merged where they share a layer and restricted to {@code selected}.
     *
     * @throws IllegalArgumentException naming a set with fewer than two layers, a name that is not a
     *                                  {@code Conv2d} of the model, or layers whose channel counts differ
     */
    static List<List<String>> declared(Module model, List<Set<String>> sets, Collection<String> selected) {
        Map<String, Module> modules = model.namedModules();
        List<Set<String>> merged = new ArrayList<>();
        for (int i = 0; i < sets.size(); i++) {
            List<String> names = new ArrayList<>(sets.get(i));
            String at = "channel dependency set " + i + " " + names;
            if (names.size() < 2) {
                throw new IllegalArgumentException(at + ": needs at least 2 layers");
            }
            Conv2d first = null;
            for (String name : names) {
                Module m = modules.get(name);
                if (!(m instanceof Conv2d conv) || name.isEmpty()) {
                    throw new IllegalArgumentException(at + ": \"" + name + "\" is "
                            + (m == null || name.isEmpty() ? "not a module of " + model.typeName() : "a " + m.typeName() + ", not a Conv2d"));
                }
                if (first == null) {
                    first = conv;
                } else if (conv.outChannels() != first.outChannels()) {
                    throw new IllegalArgumentException(at + ": " + describe(names.get(0), first) + " and "
                            + describe(name, conv) + " cannot share channels");
                }
            }
            Set<String> set = new LinkedHashSet<>(names);
            for (Iterator<Set<String>> it = merged.iterator(); it.hasNext();) {
                Set<String> other = it.next();
                if (other.stream().anyMatch(set::contains)) {
                    set.addAll(other);
                    it.remove();
                }
            }
            merged.add(set);
        }
        Set<String> chosen = new HashSet<>(selected);
        List<Set<String>> out = new ArrayList<>();
        for (Set<String> set : merged) {
            Set<String> kept = new LinkedHashSet<>(set);
            kept.retainAll(chosen);
            if (kept.size() >= 2) {
                out.add(kept);
            }
        }
        return inModelOrder(model, out);
    }

    private static String describe(String name, Conv2d conv) {
        return name + " (Conv2d, " + conv.outChannels() + " out channels)";
    }

    /** The group channel of each index of {@code m}'s dimension. */
    private static List<Integer> mapping(GroupMember m) {
        return IntStream.range(0, m.size()).map(m::channelOf).boxed().toList();
    }

    /** The mappings joined where they share a group channel (transitively), in first-seen order. */
    private static List<List<List<Integer>>> overlappingClusters(Collection<List<Integer>> mappings) {
        List<List<List<Integer>>> clusters = new ArrayList<>();
        List<Set<Integer>> covered = new ArrayList<>();
        for (List<Integer> mapping : mappings) {
            List<List<Integer>> cluster = new ArrayList<>(List.of(mapping));
            Set<Integer> channels = new HashSet<>(mapping);
            for (int i = clusters.size() - 1; i >= 0; i--) {
                if (covered.get(i).stream().anyMatch(channels::contains)) {
                    cluster.addAll(0, clusters.remove(i));
                    channels.addAll(covered.remove(i));
                }
            }
            clusters.add(cluster);
            covered.add(channels);
        }
        return clusters;
    }

    /** Each group's layers in model order, the groups ordered by their first layer. */
    private static List<List<String>> inModelOrder(Module model, List<Set<String>> groups) {
        Map<String, Integer> position = new LinkedHashMap<>();
        model.namedModules().keySet().forEach(n -> position.put(n, position.size()));
        Comparator<String> byPosition = Comparator.comparing(position::get);
        return groups.stream().map(g -> g.stream().sorted(byPosition).toList())
                .sorted(Comparator.comparing(g -> position.get(g.get(0)))).toList();
    }
}
