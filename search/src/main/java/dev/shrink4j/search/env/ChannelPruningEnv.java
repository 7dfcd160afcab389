package dev.shrink4j.search.env;

import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.GroupMember;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.stats.LayerProfile;
import dev.shrink4j.workbench.stats.ModelProfile;
import dev.shrink4j.workbench.stats.ModelProfiler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AMC's channel-pruning environment (mit-han-lab/amc {@code env/channel_pruning_env.py}): one episode walks
 * the model's prunable layers (non-depthwise {@code Conv2d} and {@code Linear}, in model order) and the agent
 * chooses, for each, the preserve ratio of its <em>input</em> channels, in {@code [lbound, 1]}.
 * <pre>
 * ChannelPruningEnv env = ChannelPruningEnv.builder().setModel(model).setInputShape(1, 1, 28, 28).setBudget(0.5).build();
 * double[] state = env.reset();
 * while (state != null) state = env.step(agent.act(state)).nextState();
 * double[] ratios = env.keepRatios();   // one per prunable layer
 * </pre>
 *
 * <p>Channels. Input channels of a layer are a channel group of {@link DependencyGroups}: removing them
 * removes the producers' filters, their batch norms, and every depthwise convolution on the way (depthwise
 * layers follow their input). A layer whose input group is pinned (the first layer reads the image) keeps
 * ratio 1 whatever the agent says, as the reference fixes the first layer; a layer whose group an earlier
 * layer already chose (residual branches that share channels) follows that choice.
 *
 * <p>Which channels. A group keeping {@code k} of its channels keeps those of largest L1 norm, summed over the
 * filters of its {@code Conv2d} and {@code Linear} output members (the L1-filter criterion, group-wise;
 * {@link #removedChannels}), which is what {@code CandidateEvaluator} removes. The FLOPs count, for every layer,
 * the channels it actually keeps: a member that carries only some of a group's channels (the 16 and 32 channels of
 * ResNet's first stages inside the 64-channel stream their zero-padded shortcuts join) keeps those of its channels
 * the criterion keeps, not the group's kept share of them.
 *
 * <p>FLOPs are the multiply-accumulates of every {@code Conv2d} and {@code Linear} ({@link PrunableLayer#flops}),
 * the quantity AMC budgets. The budget is a fraction of the full model's; it is enforced while acting
 * (the reference's {@code _action_wall}: the ratio is capped so that the layers still to come, at their
 * lower bound, can meet the target) <em>and after channel rounding</em>: the kept channel count is lowered
 * until the FLOPs fit, so no episode ends above the budget (the reference's rounding can overshoot).
 *
 * <p>State (10 columns, as the reference's {@code layer_embedding}): index, type (0 conv, 1 linear), c_in,
 * c_out, stride, kernel size, weight count (these seven min-max normalised over the prunable layers, a
 * constant column left as is), then FLOPs already removed / total, FLOPs of the layers after this one / total,
 * and the previous layer's applied ratio (1 before the first).
 */
public final class ChannelPruningEnv {

    /** Columns of the state vector. */
    public static final int STATE_SIZE = 10;

    private final List<PrunableLayer> layers;
    private final int[] steps;            // indices into layers of the agent's steps
    private final int[] groupSize;        // per env group: channels
    private final int[] minKept;          // per env group: the fewest channels lbound and rounding allow
    private final String[] groupNames;
    private final int[][] inChannelOf;    // per layer: the group channel of each input unit (null when pinned)
    private final int[][] outChannelOf;   // per layer: the group channel of each output unit (null when pinned)
    private final int[][] removalOrder;   // per env group: its channels, weakest (removed first) first
    private final int[][] removalRank;    // per env group and channel: its position in removalOrder
    private final double budget;
    private final double lowerBound;
    private final int channelRound;
    private final long fullFlops;
    private final double[][] staticState;

    private int step;
    private int[] kept;                   // per env group; decided groups hold their choice, others the full size
    private boolean[] decided;
    private double[] appliedRatios;

    private ChannelPruningEnv(List<PrunableLayer> layers, String[] groupNames, int[] groupSize, int[][] inChannelOf,
            int[][] outChannelOf, int[][] removalOrder, double budget, double lowerBound, int channelRound) {
        this.layers = List.copyOf(layers);
        this.groupNames = groupNames;
        this.groupSize = groupSize;
        this.inChannelOf = inChannelOf;
        this.outChannelOf = outChannelOf;
        this.removalOrder = removalOrder;
        this.removalRank = new int[groupSize.length][];
        for (int g = 0; g < groupSize.length; g++) {
            removalRank[g] = new int[groupSize[g]];
            for (int r = 0; r < removalOrder[g].length; r++) {
                removalRank[g][removalOrder[g][r]] = r;
            }
        }
        this.budget = budget;
        this.lowerBound = lowerBound;
        this.channelRound = channelRound;
        this.steps = java.util.stream.IntStream.range(0, layers.size()).filter(i -> !layers.get(i).depthwise()).toArray();
        this.minKept = new int[groupSize.length];
        for (int g = 0; g < groupSize.length; g++) {
            int least = Math.max(1, (int) Math.ceil(lowerBound * groupSize[g] - 1e-9));
            minKept[g] = Math.min(groupSize[g], roundUp(least));
        }
        this.fullFlops = flopsWith(groupSize);
        boolean anyDecision = Arrays.stream(steps).anyMatch(i -> layers.get(i).inGroup() >= 0);
        if (steps.length == 0 || !anyDecision) {
            throw new IllegalArgumentException("model has no prunable layer: the agent needs a non-depthwise Conv2d or"
                    + " Linear whose input channels can be removed (layers: " + layers.stream().map(PrunableLayer::name).toList() + ")");
        }
        int[] least = groupSize.clone();
        for (int i : steps) {
            if (layers.get(i).inGroup() >= 0) {
                least[layers.get(i).inGroup()] = minKept[layers.get(i).inGroup()];
            }
        }
        long minFlops = flopsWith(least);
        if (minFlops > budget * fullFlops) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "budget %s is infeasible: with the lower"
                    + " bound %s on every prunable layer the model keeps at least %.4f of its FLOPs (%d of %d)",
                    budget, lowerBound, (double) minFlops / fullFlops, minFlops, fullFlops));
        }
        this.staticState = staticColumns();
        reset();
    }

    /** A builder: {@code setModel}, {@code setInputShape}, {@code setBudget} required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts an episode: every channel kept. Returns the first layer's state. */
    public double[] reset() {
        step = 0;
        kept = groupSize.clone();
        decided = new boolean[groupSize.length];
        appliedRatios = new double[steps.length];
        return state();
    }

    /**
     * Applies the agent's preserve ratio to the current layer (clamped to {@code [lbound, 1]}, capped by the
     * budget, rounded to whole channels and capped again).
     *
     * @return the ratio applied and the next state ({@code null} at the end of the episode)
     * @throws IllegalStateException when the episode is over
     */
    public Step step(double action) {
        if (step >= steps.length) {
            throw new IllegalStateException("the episode is over after " + steps.length + " layers: call reset()");
        }
        if (!Double.isFinite(action)) {
            throw new IllegalArgumentException("action for layer \"" + layers.get(steps[step]).name() + "\" is " + action);
        }
        PrunableLayer layer = layers.get(steps[step]);
        int g = layer.inGroup();
        double applied;
        if (g < 0) {
            applied = 1.0;
        } else if (decided[g]) {
            applied = (double) kept[g] / groupSize[g];
        } else {
            double ratio = Math.min(1.0, Math.max(lowerBound, action));
            int k = Math.max(minKept[g], Math.min(groupSize[g], roundUp((int) Math.round(ratio * groupSize[g]))));
            k = wall(g, k);
            kept[g] = k;
            decided[g] = true;
            applied = (double) k / groupSize[g];
        }
        appliedRatios[step] = applied;
        step++;
        return new Step(applied, step < steps.length ? state() : null);
    }

    /**
     * The largest channel count not above {@code k} for group {@code g} that keeps the target reachable: the
     * FLOPs with the decided groups as chosen, {@code g} at the count and the undecided groups at their minimum,
     * within the budget. The minimum always fits (checked at construction, kept by induction).
     */
    private int wall(int g, int k) {
        int[] trial = kept.clone();
        for (int s = step + 1; s < steps.length; s++) {
            int other = layers.get(steps[s]).inGroup();
            if (other >= 0 && !decided[other] && other != g) {
                trial[other] = minKept[other];
            }
        }
        double limit = budget * fullFlops;
        for (int c = k; c > minKept[g]; c -= channelRound) {
            trial[g] = c;
            if (flopsWith(trial) <= limit) {
                return c;
            }
        }
        return minKept[g];
    }

    private double[] state() {
        double[] s = Arrays.copyOf(staticState[step], STATE_SIZE);
        s[7] = (double) (fullFlops - flopsWith(kept)) / fullFlops;
        long rest = 0;
        for (int i = steps[step] + 1; i < layers.size(); i++) {
            rest += layers.get(i).fullFlops();
        }
        s[8] = (double) rest / fullFlops;
        s[9] = step == 0 ? 1.0 : appliedRatios[step - 1];
        return s;
    }

    private double[][] staticColumns() {
        double[][] s = new double[steps.length][7];
        for (int t = 0; t < steps.length; t++) {
            PrunableLayer l = layers.get(steps[t]);
            s[t] = new double[] {t, l.linear() ? 1 : 0, l.inUnits(), l.outUnits(), l.stride(),
                    l.linear() ? 1 : Math.round(Math.sqrt(l.kernelArea())), l.weightCount()};
        }
        for (int c = 0; c < 7; c++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : s) {
                min = Math.min(min, row[c]);
                max = Math.max(max, row[c]);
            }
            if (max > min) {
                for (double[] row : s) {
                    row[c] = (row[c] - min) / (max - min);
                }
            }
        }
        return s;
    }

    /** FLOPs with {@code keptPerGroup} channels kept in each env group (each layer's own kept units counted). */
    long flopsWith(int[] keptPerGroup) {
        long total = 0;
        for (int i = 0; i < layers.size(); i++) {
            PrunableLayer l = layers.get(i);
            long in = l.inGroup() < 0 ? l.inUnits() : keptUnits(inChannelOf[i], l.inGroup(), keptPerGroup);
            long out = l.outGroup() < 0 ? l.outUnits() : keptUnits(outChannelOf[i], l.outGroup(), keptPerGroup);
            total += l.flops(in, out);
        }
        return total;
    }

    /** How many of a layer's units (group channel of each: {@code channelOf}) survive when group {@code g} keeps its count. */
    private long keptUnits(int[] channelOf, int g, int[] keptPerGroup) {
        int firstKeptRank = groupSize[g] - keptPerGroup[g];
        long n = 0;
        for (int c : channelOf) {
            if (removalRank[g][c] >= firstKeptRank) {
                n++;
            }
        }
        return n;
    }

    /**
     * The channels env group {@code g} loses when it keeps {@code keptCount}: the {@code size − keptCount} of least
     * group-wise L1 norm (ties: lower index first), ascending. What {@link #flops()} and {@link #flopsOf} assume
     * removed, and what a scorer must remove for the FLOPs to hold.
     *
     * @throws IllegalArgumentException when {@code g} is not a group or {@code keptCount} is outside [1, size]
     */
    public int[] removedChannels(int g, int keptCount) {
        if (g < 0 || g >= groupSize.length) {
            throw new IllegalArgumentException("env group " + g + " does not exist (" + groupSize.length + " groups)");
        }
        if (keptCount < 1 || keptCount > groupSize[g]) {
            throw new IllegalArgumentException("kept channels of " + groupNames[g] + " must be in [1, " + groupSize[g]
                    + "], got " + keptCount);
        }
        int[] removed = Arrays.copyOf(removalOrder[g], groupSize[g] - keptCount);
        Arrays.sort(removed);
        return removed;
    }

    /**
     * The channels each group keeps for per-layer {@code keepRatios} (one per prunable layer, as
     * {@link #keepRatios()} gives them), rounded as {@link #step} rounds, without the budget cap: the first
     * layer of a group decides it, pinned groups keep everything.
     *
     * @throws IllegalArgumentException when the array's length is not {@link #layerCount()} or a ratio is outside (0, 1]
     */
    public int[] keptChannels(double[] keepRatios) {
        if (keepRatios.length != steps.length) {
            throw new IllegalArgumentException("keep ratios: expected " + steps.length + " (one per prunable layer "
                    + prunableLayerNames() + "), got " + keepRatios.length);
        }
        int[] out = groupSize.clone();
        boolean[] seen = new boolean[groupSize.length];
        for (int t = 0; t < steps.length; t++) {
            double r = keepRatios[t];
            if (!(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("keep ratio of \"" + layers.get(steps[t]).name() + "\" must be in (0, 1], got " + r);
            }
            int g = layers.get(steps[t]).inGroup();
            if (g >= 0 && !seen[g]) {
                seen[g] = true;
                out[g] = Math.max(1, Math.min(groupSize[g], roundUp((int) Math.round(r * groupSize[g]))));
            }
        }
        return out;
    }

    /**
     * Per-layer {@code keepRatios} as they take effect: 1 for a layer whose input channels are pinned (the first layer
     * reads the image), the deciding layer's ratio for a later reader of the same channels
     * ({@link #decidingLayers()}), a deciding layer's own ratio unchanged. A search reports and writes these, so that
     * no layer shows a ratio the pruning ignores; they keep the same channels ({@code keptChannels(effectiveRatios(r))}
     * equals {@code keptChannels(r)}).
     *
     * @throws IllegalArgumentException as {@link #keptChannels(double[])}
     */
    public double[] effectiveRatios(double[] keepRatios) {
        keptChannels(keepRatios);   // the length and range checks
        double[] effective = new double[steps.length];
        double[] decided = new double[groupSize.length];
        boolean[] deciding = decidingLayers();
        for (int t = 0; t < steps.length; t++) {
            int g = layers.get(steps[t]).inGroup();
            if (g >= 0 && deciding[t]) {
                decided[g] = keepRatios[t];
            }
            effective[t] = g < 0 ? 1.0 : decided[g];
        }
        return effective;
    }

    /** FLOPs for per-layer {@code keepRatios} ({@link #keptChannels(double[])}, no budget cap). */
    public long flopsOf(double[] keepRatios) {
        return flopsWith(keptChannels(keepRatios));
    }

    private int roundUp(int k) {
        return (k + channelRound - 1) / channelRound * channelRound;
    }

    /** The ratio applied to each prunable layer so far in this episode (0 for the layers not reached yet). */
    public double[] keepRatios() {
        return appliedRatios.clone();
    }

    /** The channels each env group keeps now (full size where not decided). */
    public int[] keptChannels() {
        return kept.clone();
    }

    /** FLOPs of the model as the episode has pruned it so far. */
    public long flops() {
        return flopsWith(kept);
    }

    /** FLOPs of the full model. */
    public long fullFlops() {
        return fullFlops;
    }

    /** The budget, a fraction of {@link #fullFlops()}. */
    public double budget() {
        return budget;
    }

    /** The lower bound of a ratio. */
    public double lowerBound() {
        return lowerBound;
    }

    /** The agent's steps per episode: one per prunable layer. */
    public int layerCount() {
        return steps.length;
    }

    /**
     * Per prunable layer (step order), whether its ratio takes effect: its input group can shrink and no earlier layer
     * decides that group. The others (the first layer reading the image, a second reader of shared channels) keep
     * whatever ratio they are given out of the FLOPs ({@link #keptChannels(double[])}).
     */
    public boolean[] decidingLayers() {
        boolean[] deciding = new boolean[steps.length];
        boolean[] seen = new boolean[groupSize.length];
        for (int t = 0; t < steps.length; t++) {
            int g = layers.get(steps[t]).inGroup();
            if (g >= 0 && !seen[g]) {
                seen[g] = true;
                deciding[t] = true;
            }
        }
        return deciding;
    }

    /** Names of the prunable layers, in step order. */
    public List<String> prunableLayerNames() {
        return Arrays.stream(steps).mapToObj(i -> layers.get(i).name()).toList();
    }

    /** Every Conv2d and Linear the FLOPs count, in model order. */
    public List<PrunableLayer> layers() {
        return layers;
    }

    /** Channels per env group (the channel groups that some layer's input belongs to and that may shrink). */
    public int[] groupSizes() {
        return groupSize.clone();
    }

    /** A description of env group {@code g} (the dependency group's text). */
    public String groupName(int g) {
        return groupNames[g];
    }

    private static double checkBudget(double budget) {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("budget (fraction of FLOPs to keep) must be in (0, 1), got " + budget);
        }
        return budget;
    }

    private static double checkLowerBound(double lowerBound) {
        if (!(lowerBound > 0 && lowerBound <= 1)) {
            throw new IllegalArgumentException("lower bound (smallest preserve ratio) must be in (0, 1], got " + lowerBound);
        }
        return lowerBound;
    }

    /**
     * The result of one step.
     *
     * @param appliedRatio the preserve ratio applied (after bounds, budget and rounding)
     * @param nextState    the next layer's state, {@code null} when the episode is over
     */
    public record Step(double appliedRatio, double[] nextState) {
        /** Whether the episode is over. */
        public boolean done() {
            return nextState == null;
        }
    }

    /** Builder for {@link ChannelPruningEnv}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Module model;
        private long[] inputShape;
        private Double budget;
        private double lowerBound = 0.2;
        private int channelRound = 1;

        private Builder() {
        }

        /** The model (not changed). */
        public Builder setModel(Module model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The input shape with a batch of 1, e.g. {@code 1, 1, 28, 28}. */
        public Builder setInputShape(long... shape) {
            this.inputShape = shape.clone();
            return this;
        }

        /** The FLOPs to keep, a fraction in (0, 1). */
        public Builder setBudget(double budget) {
            this.budget = budget;
            return this;
        }

        /** The smallest preserve ratio (default 0.2, the reference's lbound). */
        public Builder optLowerBound(double lowerBound) {
            this.lowerBound = lowerBound;
            return this;
        }

        /** Kept channel counts are multiples of this (default 1; the reference uses 8 for MobileNet). */
        public Builder optChannelRound(int channelRound) {
            if (channelRound < 1) {
                throw new IllegalArgumentException("channel round must be at least 1, got " + channelRound);
            }
            this.channelRound = channelRound;
            return this;
        }

        /**
         * Profiles and traces the model and builds the environment.
         *
         * @throws IllegalArgumentException naming the setting: missing model/shape/budget, a budget outside
         *     (0, 1), a lower bound outside (0, 1], an infeasible budget, a model with no prunable layer
         */
        public ChannelPruningEnv build() {
            if (model == null || inputShape == null || budget == null) {
                throw new IllegalArgumentException("ChannelPruningEnv needs setModel, setInputShape and setBudget");
            }
            checkBudget(budget);
            checkLowerBound(lowerBound);
            ModelProfile profile = ModelProfiler.profile(model, inputShape);
            DependencyGroups groups;
            try (PointerScope scope = new PointerScope()) {
                groups = DependencyGroups.trace(model, torch.zeros(inputShape));
            }
            Map<ChannelGroup, Integer> envGroup = new LinkedHashMap<>();
            List<PrunableLayer> layers = new ArrayList<>();
            List<int[]> inChannelOf = new ArrayList<>();
            List<int[]> outChannelOf = new ArrayList<>();
            for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
                String name = e.getKey();
                Module m = e.getValue();
                if (!(m instanceof Conv2d || m instanceof Linear) || !groups.hasMember(name, ChannelDim.OUT)) {
                    continue;
                }
                LayerProfile lp = profile.layer(name);
                if (lp.calls() == 0) {
                    continue;
                }
                long outElements = lp.outputShape().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
                long weightCount = m.getParameter("weight").numel();
                boolean depthwise = m instanceof Conv2d c && c.groups() > 1 && c.groups() == c.inChannels()
                        && c.inChannels() == c.outChannels();
                int outGroup = index(envGroup, groups.groupOf(name, ChannelDim.OUT));
                int inGroup = depthwise ? outGroup
                        : groups.hasMember(name, ChannelDim.IN) ? index(envGroup, groups.groupOf(name, ChannelDim.IN)) : -1;
                int[] outChannels = outGroup < 0 ? null : channelOf(groups, name, ChannelDim.OUT);
                // a depthwise layer's input units are its output channels, one to one
                inChannelOf.add(inGroup < 0 ? null : depthwise ? outChannels : channelOf(groups, name, ChannelDim.IN));
                outChannelOf.add(outChannels);
                if (m instanceof Conv2d c) {
                    long[] k = c.kernelSize();
                    layers.add(new PrunableLayer(name, false, depthwise, c.inChannels(), c.outChannels(), c.groups(),
                            c.stride()[0], k[0] * k[1], outElements / c.outChannels(), c.bias() != null,
                            weightCount, inGroup, outGroup));
                } else {
                    Linear l = (Linear) m;
                    layers.add(new PrunableLayer(name, true, false, l.inFeatures(), l.outFeatures(), 1, 0, 1,
                            outElements / l.outFeatures(), l.bias() != null, weightCount, inGroup, outGroup));
                }
            }
            int[] sizes = envGroup.keySet().stream().mapToInt(ChannelGroup::size).toArray();
            String[] names = envGroup.keySet().stream().map(ChannelGroup::toString).toArray(String[]::new);
            int[][] removalOrder = envGroup.keySet().stream().map(Builder::weakestFirst).toArray(int[][]::new);
            return new ChannelPruningEnv(layers, names, sizes, inChannelOf.toArray(int[][]::new),
                    outChannelOf.toArray(int[][]::new), removalOrder, budget, lowerBound, channelRound);
        }

        /** The group channel of each unit of {@code layer}'s dimension {@code dim}. */
        private static int[] channelOf(DependencyGroups groups, String layer, ChannelDim dim) {
            GroupMember member = groups.groupOf(layer, dim).member(layer, dim).orElseThrow(() -> new IllegalStateException(
                    "dependency group of " + layer + " " + dim + " does not list it as a member"));
            int[] channelOf = new int[member.size()];
            Arrays.setAll(channelOf, member::channelOf);
            return channelOf;
        }

        /**
         * The group's channels ordered by their L1 norm summed over the filters of the group's Conv2d and Linear
         * output members, least first (ties: lower index first).
         */
        private static int[] weakestFirst(ChannelGroup group) {
            double[] norm = new double[group.size()];
            try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
                for (GroupMember m : group.members()) {
                    if (m.dim() != ChannelDim.OUT || !(m.module() instanceof Conv2d || m.module() instanceof Linear)) {
                        continue;
                    }
                    Tensor w = m.module().getParameter("weight");
                    float[] rows = new float[(int) w.size(0)];
                    w.abs().flatten(1, -1).sum(new long[] {1}, false, new ScalarTypeOptional()).contiguous()
                            .data_ptr_float().get(rows);
                    for (int i = 0; i < rows.length; i++) {
                        norm[m.channelOf(i)] += rows[i];
                    }
                }
            }
            return IntStream.range(0, norm.length).boxed().sorted(Comparator.comparingDouble((Integer c) -> norm[c])
                    .thenComparingInt(c -> c)).mapToInt(Integer::intValue).toArray();
        }

        /** The env index of a fully prunable group, −1 for a group with pinned channels. */
        private static int index(Map<ChannelGroup, Integer> envGroup, ChannelGroup g) {
            if (g.prunableChannels().length != g.size() || g.size() < 2) {
                return -1;
            }
            return envGroup.computeIfAbsent(g, k -> envGroup.size());
        }
    }
}
