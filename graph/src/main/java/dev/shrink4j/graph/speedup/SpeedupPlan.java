package dev.shrink4j.graph.speedup;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.GroupMember;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.TensorChecks;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The checked decision behind one {@link ModelSpeedup#apply} call: {@link #validate} reads the masks, works out
 * which group channels go and collects every problem; {@link #execute} then changes the model. Runs inside the
 * caller's {@code PointerScope} and {@code NoGradGuard}.
 */
final class SpeedupPlan {

    private static final int SHOWN = 8;

    private final DependencyGroups groups;
    private final Module model;
    private final Map<String, Module> modules;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, LayerMasks> masks = new LinkedHashMap<>();
    private final Map<String, String> leftMasked = new LinkedHashMap<>();
    private final List<Vote> votes = new ArrayList<>();
    private final Map<ChannelGroup, boolean[]> removed = new LinkedHashMap<>();
    private final Map<String, Integer> unmaskedRemovals = new LinkedHashMap<>();

    /** The masks given for one layer, as tensors (to multiply in) and as Java values (to classify). */
    private static final class LayerMasks {
        final String layer;
        final Module module;
        Tensor weight;
        Tensor bias;
        float[] weightValues;
        float[] biasValues;

        LayerMasks(String layer, Module module) {
            this.layer = layer;
            this.module = module;
        }
    }

    /** A structured mask's say on its layer's output indices: {@code pruned[i]} for each index of the member. */
    private record Vote(GroupMember member, String key, boolean[] pruned) {
    }

    private SpeedupPlan(DependencyGroups groups) {
        this.groups = groups;
        this.model = groups.graph().model();
        this.modules = model.namedModules();
    }

    /** Checks {@code given} against the model and its groups; throws with every problem found. */
    static SpeedupPlan validate(DependencyGroups groups, Map<String, Tensor> given) {
        SpeedupPlan plan = new SpeedupPlan(groups);
        plan.checkFresh();
        if (!plan.problems.isEmpty()) {
            // the rest would compare masks with widths the model no longer has
            throw new SpeedupException(plan.model.typeName(), plan.problems);
        }
        plan.checkParametrizations();
        plan.readMasks(given);
        plan.masks.values().forEach(plan::classify);
        plan.decide();
        if (!plan.problems.isEmpty()) {
            throw new SpeedupException(plan.model.typeName(), plan.problems);
        }
        return plan;
    }

    private void checkParametrizations() {
        modules.forEach((name, m) -> m.parametrizedNames().forEach(p -> problems.add(join(name, p)
                + ": a parametrization is attached (a compressor still wraps the model); unwrap it before the speedup")));
    }

    /** The groups must describe the model as it is: a model resized since it was traced needs a new trace. */
    private void checkFresh() {
        for (ChannelGroup g : groups.groups()) {
            for (GroupMember m : g.members()) {
                long actual = width(m.module(), m.dim());
                if (actual != m.size()) {
                    problems.add(m.layer() + " has " + actual + " " + (m.dim() == ChannelDim.IN ? "input" : "output")
                            + " channels but its group was traced with " + m.size() + ": trace the model again");
                }
            }
        }
    }

    private static long width(Module m, ChannelDim dim) {
        if (m instanceof Conv2d c) {
            return dim == ChannelDim.OUT ? c.outChannels() : c.inChannels();
        } else if (m instanceof Linear l) {
            return dim == ChannelDim.OUT ? l.outFeatures() : l.inFeatures();
        } else if (m instanceof BatchNorm bn) {
            return bn.numFeatures();
        }
        return ((ChannelPad) m).outChannels();
    }

    private void readMasks(Map<String, Tensor> given) {
        for (Map.Entry<String, Tensor> e : given.entrySet()) {
            String key = e.getKey();
            Tensor mask = e.getValue();
            String suffix = key.endsWith("." + ModelSpeedup.WEIGHT_MASK) ? "weight"
                    : key.endsWith("." + ModelSpeedup.BIAS_MASK) ? "bias" : null;
            if (suffix == null || mask == null) {
                problems.add(key + ": " + (suffix == null ? "not a <layer>." + ModelSpeedup.WEIGHT_MASK + " or <layer>."
                        + ModelSpeedup.BIAS_MASK + " key" : "the mask is null"));
                continue;
            }
            String layer = key.substring(0, key.lastIndexOf('.'));
            Module module = modules.get(layer);
            Tensor param = module == null ? null : module.getParameter(suffix);
            if (module == null || layer.isEmpty()) {
                problems.add(key + ": the model has no layer \"" + layer + "\"");
            } else if (param == null) {
                problems.add(key + ": " + layer + " (" + module.typeName() + ") has no parameter \"" + suffix + "\"");
            } else if (!Arrays.equals(mask.shape(), param.shape())) {
                problems.add(key + ": the mask has shape " + Arrays.toString(mask.shape()) + ", " + join(layer, suffix)
                        + " has " + Arrays.toString(param.shape()));
            } else {
                String dtype = mask.scalar_type().intern() == torch.ScalarType.Bool ? null
                        : TensorChecks.dtypeMismatch(mask, "the mask", param, join(layer, suffix));
                if (dtype != null) {
                    problems.add(key + ": " + dtype);
                    continue;
                }
                // One bulk copy per mask, then Java loops: a few native calls per layer instead of a dozen.
                float[] values = values(mask);
                if (!binary(values)) {
                    problems.add(key + ": " + TensorChecks.nonBinary(mask));
                    continue;
                }
                LayerMasks lm = masks.computeIfAbsent(layer, k -> new LayerMasks(layer, module));
                Tensor asParamType = mask.to(param.scalar_type());
                if (suffix.equals("weight")) {
                    lm.weight = asParamType;
                    lm.weightValues = values;
                } else {
                    lm.bias = asParamType;
                    lm.biasValues = values;
                }
            }
        }
    }

    /** Whether a layer's masks remove whole output channels (a vote), stay masks, or do nothing. */
    private void classify(LayerMasks lm) {
        Module m = lm.module;
        boolean resizable = (m instanceof Conv2d || m instanceof Linear || m instanceof BatchNorm)
                && groups.hasMember(lm.layer, ChannelDim.OUT);
        if (!resizable) {
            leftMasked.put(lm.layer, m.typeName() + (m instanceof Conv2d || m instanceof Linear || m instanceof BatchNorm
                    ? " that is not resized (grouped, or not called by forward)" : " is not resized"));
            return;
        }
        if (lm.weight == null) {
            if (!allOnes(lm.biasValues)) {
                leftMasked.put(lm.layer, "bias_mask without weight_mask");
            }
            return;
        }
        int rows = (int) lm.weight.size(0);
        int rowLength = lm.weightValues.length / rows;
        boolean[] pruned = new boolean[rows];
        boolean structured = true;
        for (int r = 0; r < rows && structured; r++) {
            int kept = 0;
            for (int i = r * rowLength; i < (r + 1) * rowLength; i++) {
                kept += lm.weightValues[i] != 0 ? 1 : 0;
            }
            pruned[r] = kept == 0;
            structured = pruned[r] || kept == rowLength;
        }
        if (!structured) {
            leftMasked.put(lm.layer, "unstructured weight_mask");
            return;
        }
        String weightKey = join(lm.layer, ModelSpeedup.WEIGHT_MASK);
        if (lm.bias != null) {
            checkBiasFollows(lm, pruned);
        }
        boolean any = false;
        for (boolean p : pruned) {
            any |= p;
        }
        // A mask that keeps every filter is a vote too: its layer keeps those channels, so a group member that
        // prunes one of them contradicts it.
        votes.add(new Vote(groups.member(lm.layer, ChannelDim.OUT), weightKey, pruned));
        if (!any && lm.bias != null && !allOnes(lm.biasValues)) {
            leftMasked.put(lm.layer, "bias_mask without a pruned filter");
        }
    }

    private void checkBiasFollows(LayerMasks lm, boolean[] pruned) {
        float[] bias = lm.biasValues;
        List<Long> keptButPruned = new ArrayList<>();
        List<Long> prunedButKept = new ArrayList<>();
        boolean anyPruned = false;
        for (int i = 0; i < pruned.length; i++) {
            anyPruned |= pruned[i];
            if (pruned[i] && bias[i] != 0) {
                keptButPruned.add((long) i);
            } else if (!pruned[i] && bias[i] == 0) {
                prunedButKept.add((long) i);
            }
        }
        if (!anyPruned) {
            return;
        }
        String unit = unit(lm.module);
        if (!keptButPruned.isEmpty()) {
            problems.add(join(lm.layer, ModelSpeedup.BIAS_MASK) + " keeps " + unit + " " + shown(keptButPruned) + " that "
                    + join(lm.layer, ModelSpeedup.WEIGHT_MASK) + " prunes: a removed " + unit(lm.module, true)
                    + " takes its bias with it");
        }
        if (!prunedButKept.isEmpty()) {
            problems.add(join(lm.layer, ModelSpeedup.BIAS_MASK) + " prunes " + unit + " " + shown(prunedButKept) + " that "
                    + join(lm.layer, ModelSpeedup.WEIGHT_MASK) + " keeps");
        }
    }

    /** Turns the votes into removed group channels, reporting contradictions, pinned channels and emptied layers. */
    private void decide() {
        Map<ChannelGroup, Map<Integer, List<String>>> prunedBy = new LinkedHashMap<>();
        Map<ChannelGroup, Map<Integer, List<String>>> keptBy = new LinkedHashMap<>();
        for (Vote v : votes) {
            ChannelGroup g = groups.groupOf(v.member().layer(), ChannelDim.OUT);
            for (int i = 0; i < v.pruned().length; i++) {
                int ch = v.member().channelOf(i);
                (v.pruned()[i] ? prunedBy : keptBy).computeIfAbsent(g, k -> new LinkedHashMap<>())
                        .computeIfAbsent(ch, k -> new ArrayList<>()).add(v.key());
            }
        }
        // contradictions and pinned channels, one line per (pruning key, keeping key) and per pinned reason
        Map<String, TreeSet<Integer>> contradictions = new LinkedHashMap<>();
        Map<String, TreeSet<Integer>> pinned = new LinkedHashMap<>();
        prunedBy.forEach((g, byChannel) -> {
            boolean[] gone = new boolean[g.size()];
            byChannel.forEach((ch, pruners) -> {
                gone[ch] = true;
                List<String> keepers = keptBy.getOrDefault(g, Map.of()).getOrDefault(ch, List.of());
                for (String keeper : new TreeSet<>(keepers)) {
                    contradictions.computeIfAbsent(pruners.get(0) + "\u0000" + keeper + "\u0000" + g.id(),
                            k -> new TreeSet<>()).add(ch);
                }
                g.pinReason(ch).ifPresent(reason -> pinned.computeIfAbsent(pruners.get(0) + "\u0000" + reason + "\u0000"
                        + g.id(), k -> new TreeSet<>()).add(ch));
            });
            removed.put(g, gone);
        });
        contradictions.forEach((k, channels) -> {
            String[] p = k.split("\u0000");
            ChannelGroup g = groups.groups().get(Integer.parseInt(p[2]));
            problems.add(p[0] + " prunes " + describe(g, layerOf(p[0]), channels) + " that " + p[1] + " keeps ("
                    + describe(g, layerOf(p[1]), channels) + "); both are in " + shortName(g)
                    + ", whose layers must remove the same channels");
        });
        pinned.forEach((k, channels) -> {
            String[] p = k.split("\u0000");
            ChannelGroup g = groups.groups().get(Integer.parseInt(p[2]));
            problems.add(p[0] + " prunes " + describe(g, layerOf(p[0]), channels) + ", which cannot be removed: they reach "
                    + p[1]);
        });
        if (!contradictions.isEmpty() || !pinned.isEmpty()) {
            return;
        }
        removed.forEach((g, gone) -> {
            for (GroupMember m : g.members()) {
                if (m.indicesKept(keepOf(gone)).length == 0) {
                    problems.add("the masks remove every " + (m.dim() == ChannelDim.IN ? "input" : "output") + " channel of "
                            + m.layer() + " (" + m.module().typeName() + ", " + m.size() + "), which would leave it empty");
                }
            }
        });
    }

    /** Applies the plan: masks that stay are multiplied in, then every member of a changed group is resized. */
    List<ResizedLayer> execute() {
        for (String layer : leftMasked.keySet()) {
            LayerMasks lm = masks.get(layer);
            if (lm.weight != null) {
                lm.module.getParameter("weight").mul_(lm.weight);
            }
            if (lm.bias != null) {
                lm.module.getParameter("bias").mul_(lm.bias);
            }
        }
        java.util.Set<String> voters = new java.util.HashSet<>();
        votes.forEach(v -> voters.add(v.member().layer()));
        Map<String, Map<ChannelDim, long[]>> kept = new LinkedHashMap<>();
        Map<String, Module> byName = new LinkedHashMap<>();
        removed.forEach((g, gone) -> {
            boolean[] keep = keepOf(gone);
            for (GroupMember m : g.members()) {
                long[] indices = m.indicesKept(keep);
                if (indices.length < m.size()) {
                    kept.computeIfAbsent(m.layer(), k -> new LinkedHashMap<>()).put(m.dim(), indices);
                    byName.put(m.layer(), m.module());
                    if (m.dim() == ChannelDim.OUT && !(m.module() instanceof ChannelPad) && !voters.contains(m.layer())) {
                        unmaskedRemovals.put(m.layer(), m.size() - indices.length);
                    }
                }
            }
        });
        List<ResizedLayer> resized = new ArrayList<>();
        // graph order, so the report reads like the model
        for (GroupMember m : orderedMembers()) {
            Map<ChannelDim, long[]> k = kept.remove(m.layer());
            if (k != null) {
                resized.add(resize(m.layer(), byName.get(m.layer()), k.get(ChannelDim.OUT), k.get(ChannelDim.IN)));
            }
        }
        return resized;
    }

    private List<GroupMember> orderedMembers() {
        List<GroupMember> all = new ArrayList<>();
        groups.groups().forEach(g -> all.addAll(g.members()));
        List<String> order = new ArrayList<>(modules.keySet());
        all.sort((a, b) -> Integer.compare(order.indexOf(a.layer()), order.indexOf(b.layer())));
        return all;
    }

    private static ResizedLayer resize(String layer, Module m, long[] out, long[] in) {
        List<Long> before = widths(m);
        if (m instanceof Conv2d c) {
            c.keepChannels(out, in);
        } else if (m instanceof Linear l) {
            l.keepFeatures(out, in);
        } else if (m instanceof BatchNorm bn) {
            bn.keepChannels(out);
        } else if (m instanceof ChannelPad pad) {
            long newBefore = Arrays.stream(out).filter(i -> i < pad.before()).count();
            long newIn = Arrays.stream(out).filter(i -> i >= pad.before() && i < pad.before() + pad.inChannels()).count();
            pad.setWidths(newIn, newBefore, out.length - newBefore - newIn);
        } else {
            throw new IllegalStateException(layer + " (" + m.typeName() + ") is a group member but not resizable");
        }
        return new ResizedLayer(layer, m.typeName(), before, widths(m));
    }

    private static List<Long> widths(Module m) {
        if (m instanceof ChannelPad pad) {
            return List.of(pad.inChannels(), pad.outChannels());
        }
        return Arrays.stream(m.getParameter("weight") != null ? m.getParameter("weight").shape()
                : ((BatchNorm) m).runningMean().shape()).boxed().toList();
    }

    Map<String, String> leftMasked() {
        return leftMasked;
    }

    Map<String, Integer> unmaskedRemovals() {
        return unmaskedRemovals;
    }

    // ---------------------------------------------------------------- wording

    private static boolean[] keepOf(boolean[] gone) {
        boolean[] keep = new boolean[gone.length];
        for (int i = 0; i < gone.length; i++) {
            keep[i] = !gone[i];
        }
        return keep;
    }

    private String describe(ChannelGroup g, String layer, TreeSet<Integer> channels) {
        GroupMember m = g.member(layer, ChannelDim.OUT).orElseThrow();
        List<Long> indices = new ArrayList<>();
        channels.forEach(ch -> Arrays.stream(m.indicesOf(ch)).forEach(indices::add));
        return unit(m.module()) + " " + shown(indices);
    }

    private static String shortName(ChannelGroup g) {
        List<String> names = g.members().stream().map(m -> m.layer() + " " + m.dim()).toList();
        return "group " + g.id() + " (" + String.join(", ", names.subList(0, Math.min(names.size(), 4)))
                + (names.size() > 4 ? ", … " + names.size() + " layers" : "") + ")";
    }

    private static String unit(Module m) {
        return unit(m, false);
    }

    private static String unit(Module m, boolean singular) {
        String plural = m instanceof Conv2d ? "filters" : m instanceof Linear ? "output features" : "channels";
        return singular ? plural.substring(0, plural.length() - 1) : plural;
    }

    private static String layerOf(String key) {
        return key.substring(0, key.lastIndexOf('.'));
    }

    private static String shown(List<Long> indices) {
        return indices.stream().limit(SHOWN).map(String::valueOf)
                .collect(Collectors.joining(", ", "[", indices.size() > SHOWN ? ", … " + indices.size() + " in all]" : "]"));
    }

    private static boolean allOnes(float[] mask) {
        for (float v : mask) {
            if (v != 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean binary(float[] mask) {
        for (float v : mask) {
            if (v != 0 && v != 1) {
                return false;
            }
        }
        return true;
    }

    private static float[] values(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
