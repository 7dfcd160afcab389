package dev.shrink4j.amc.channel;

import dev.shrink4j.compress.config.ConfigException;
import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.GraphNode;
import dev.shrink4j.graph.GroupMember;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.workbench.train.ProgressBar;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Channel pruning with reconstruction (He, Zhang and Sun 2017), and AMC's L1 variant. For each selected
 * convolution or linear layer {@code C}, in graph order:
 * <ol>
 *   <li>samples: every sample image, and for a convolution {@code sampled_pixels_per_img} random output
 *       positions per batch (shared by the batch's images); {@code X} = the {@code k×k×c} input patches of
 *       {@code C} in the <em>already pruned</em> network, {@code Y} = {@code C}'s output in the <em>original</em>
 *       network minus its bias (recorded before any layer changes);</li>
 *   <li>selection of {@code c' = }{@link KeptChannels#count} of its {@code c} prunable input channels: LASSO on the
 *       contributions {@code Z_i = X_i·W_iᵀ} ({@link LassoSelection}, on at most {@value #LASSO_ROWS} random
 *       rows; each layer's α search starts from the previous layer's final α unless
 *       {@code optLarsAlphaWarmStart(false)}), or the largest L1 norms of the weight columns; a linear layer behind a flatten prunes its inputs
 *       in groups of {@code H·W} (LeNet-5's fc1: 16 channels × 25 features);</li>
 *   <li>least-squares refit of the kept weights on all samples ({@link LeastSquares}); new bias = old bias +
 *       intercept (the reference drops the old bias);</li>
 *   <li>with {@code accuracy_first}, the evaluator runs on the network with this layer pruned: below the
 *       threshold the layer is restored and keeps every channel.</li>
 * </ol>
 * Then the removed channels leave every member of their {@link ChannelGroup} (the producing filters, their
 * biases and batch norms, the refitted layer's columns) through {@link ModelSpeedup}: the result is a
 * physically smaller model that computes what the refitted network computed.
 * <pre>
 * ChannelPruningResult r = ChannelPruning.builder().setModel(lenet).setSampleBatches(images)
 *         .setLayerRatios(Map.of("conv2", 0.5, "fc1", 0.5, "fc2", 0.5, "fc3", 0.5)).build().prune();
 * System.out.print(r.summary());
 * </pre>
 * Bad input is reported before any weight changes, in one {@link IllegalArgumentException} naming every layer
 * and why: not a Conv2d/Linear, a ratio outside {@code (0, 1]}, input channels the graph cannot remove (the
 * model input of the first layer, channels also read by another layer), too few samples for the channels kept.
 */
public final class ChannelPruning {

    /** Rows of {@code X} the LASSO sees at most (the reference's 400). */
    public static final int LASSO_ROWS = 400;
    /** The default output positions sampled per image of a batch. */
    public static final int DEFAULT_PIXELS_PER_IMAGE = 10;

    private static final Logger LOG = LoggerFactory.getLogger(ChannelPruning.class);

    /** Hears of each layer as it is done, e.g. to draw a progress bar. */
    @FunctionalInterface
    public interface Progress {

        /** Reports nothing. */
        Progress NONE = (done, total, report) -> { };

        /** Layer {@code done} (from 1) of {@code total} is done. */
        void layerDone(int done, int total, LayerReport report);

        /** A bar of {@code total} steps on {@code out}, one line per layer: {@code [#####-----] 2/4 fc1: 400 -> 200 …}. */
        static Progress bar(PrintStream out) {
            return (done, total, report) -> {
                out.println("[" + ProgressBar.cells(done, total, 20, '-') + "] " + done + "/" + total + " " + report);
            };
        }
    }

    private final Module model;
    private final List<Tensor> batches;
    private final Map<String, Double> ratios;
    private final ChannelSelection selection;
    private final int channelRound;
    private final int pixelsPerImage;
    private final double alphaInit;
    private final boolean alphaWarmStart;
    /** The last layer's final α, where the next layer's search starts when {@link #alphaWarmStart}; NaN before one. */
    private double previousAlpha = Double.NaN;
    private final long seed;
    private final ToDoubleFunction<Module> evaluator;
    private final double accuracyThreshold;
    private final Progress progress;
    private final boolean shrink;
    private final boolean logSummary;
    private final Consumer<Map<String, Tensor>> maskSink;
    private final boolean skipPinnedInputs;
    private final Set<String> maskable;

    private ChannelPruning(Builder b) {
        this.model = b.model;
        this.batches = List.copyOf(b.batches);
        this.ratios = Collections.unmodifiableMap(new LinkedHashMap<>(b.ratios));
        this.selection = b.selection;
        this.channelRound = b.channelRound;
        this.pixelsPerImage = b.pixelsPerImage;
        this.alphaInit = b.alphaInit;
        this.alphaWarmStart = b.alphaWarmStart;
        this.seed = b.seed;
        this.evaluator = b.evaluator;
        this.accuracyThreshold = b.accuracyThreshold;
        this.progress = b.progress;
        this.shrink = b.shrink;
        this.logSummary = b.logSummary;
        this.maskSink = b.maskSink;
        this.skipPinnedInputs = b.skipPinnedInputs;
        this.maskable = b.maskable == null ? null : Set.copyOf(b.maskable);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** One selected layer with what the graph says about its input channels. */
    private record Target(String name, Module module, double ratio, GroupMember input, ChannelGroup group, GraphNode node,
            int[] featureChannel, int[] candidates, long samples) {

        boolean isConv() {
            return module instanceof Conv2d;
        }

        Tensor weight() {
            return module.getParameter("weight");
        }

        Tensor bias() {
            return module.getParameter("bias");
        }
    }

    /**
     * Prunes and refits every selected layer, then (unless {@code optShrink(false)}) shrinks the model in place.
     *
     * @return the per-layer report, accuracies and what speedup did
     * @throws IllegalArgumentException listing every bad layer, before anything changes
     */
    public ChannelPruningResult prune() {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (PointerScope all = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            DependencyGroups groups = DependencyGroups.of(ModelGraph.trace(model, batches.get(0).narrow(0, 0, 1)));
            List<Target> targets = targets(groups);
            double accuracyBefore = evaluator == null ? Double.NaN : evaluator.applyAsDouble(model);
            Map<Target, Tensor> responses = originalResponses(targets);
            previousAlpha = Double.NaN;   // a second prune() starts from lars_alpha_init again
            Map<ChannelGroup, Set<Integer>> removed = new LinkedHashMap<>();
            List<LayerReport> reports = new ArrayList<>();
            for (Target t : targets) {
                LayerReport r = pruneLayer(t, responses.get(t), removed);
                reports.add(r);
                progress.layerDone(reports.size(), targets.size(), r);
            }
            Map<ChannelGroup, int[]> channels = new LinkedHashMap<>();
            removed.forEach((g, set) -> channels.put(g, set.stream().mapToInt(Integer::intValue).sorted().toArray()));
            long macsBefore = 0;
            long macsAfter = 0;
            for (GraphNode n : groups.graph().moduleNodes()) {
                macsBefore += macs(n, groups, Map.of());
                macsAfter += macs(n, groups, channels);
            }
            List<LayerReport> finished = new ArrayList<>();
            for (int i = 0; i < reports.size(); i++) {
                finished.add(reports.get(i).withMacsAfter(macs(targets.get(i).node(), groups, channels)));
            }
            Map<String, Tensor> masks = ChannelMasks.of(groups, channels);
            if (maskSink != null) {
                maskSink.accept(masks);
            }
            SpeedupResult speedup = shrink && !channels.isEmpty() ? ModelSpeedup.apply(groups, masks) : null;
            double accuracyAfter = evaluator == null ? Double.NaN : evaluator.applyAsDouble(model);
            Map<String, int[]> removedByGroup = new LinkedHashMap<>();
            for (Target t : targets) {
                int[] r = channels.get(t.group());
                removedByGroup.put(t.name(), r == null ? new int[0] : r.clone());
            }
            ChannelPruningResult result = new ChannelPruningResult(finished, removedByGroup, macsBefore, macsAfter,
                    accuracyBefore, accuracyAfter, speedup);
            if (logSummary) {
                LOG.info("{}", result.summary());
            } else {
                LOG.debug("{}", result.summary());
            }
            return result;
        } finally {
            model.train(wasTraining);
        }
    }

    /** The selected layers in graph order, or every problem with them in one exception. */
    private List<Target> targets(DependencyGroups groups) {
        List<String> errors = new ArrayList<>();
        Map<String, Module> modules = model.namedModules();
        Map<String, Target> byName = new LinkedHashMap<>();
        Map<ChannelGroup, String> groupOwner = new LinkedHashMap<>();
        long images = batches.stream().mapToLong(b -> b.size(0)).sum();
        for (Map.Entry<String, Double> e : ratios.entrySet()) {
            String name = e.getKey();
            double ratio = e.getValue();
            Module m = modules.get(name);
            if (m == null || name.isEmpty()) {
                errors.add("layer \"" + name + "\" is not a module of " + model.typeName());
                continue;
            }
            if (!(ratio > 0 && ratio <= 1)) {
                errors.add(name + ": compress_ratio " + ratio + " is outside (0, 1]");
                continue;
            }
            if (!(m instanceof Conv2d || m instanceof Linear)) {
                errors.add(name + " (" + m.typeName() + ") is not a Conv2d or Linear; channel pruning refits those only");
                continue;
            }
            if (m instanceof Conv2d c && c.groups() != 1) {
                errors.add(name + " (Conv2d) has groups=" + c.groups() + "; channel pruning refits ungrouped convolutions only");
                continue;
            }
            if (!groups.hasMember(name, ChannelDim.IN)) {
                errors.add(name + ": the graph has no input channels of it (forward does not call it, or it reads a rank-"
                        + "other-than-2 input); it cannot be shrunk");
                continue;
            }
            ChannelGroup g = groups.groupOf(name, ChannelDim.IN);
            GroupMember in = groups.member(name, ChannelDim.IN);
            List<String> otherReaders = g.members().stream().filter(mm -> mm.dim() == ChannelDim.IN && !mm.layer().equals(name))
                    .map(GroupMember::layer).toList();
            if (!otherReaders.isEmpty()) {
                errors.add(name + ": its input channels are also read by " + String.join(", ", otherReaders)
                        + "; channel pruning refits one reader per channel group, so it cannot shrink them");
                continue;
            }
            if (groupOwner.containsKey(g)) {
                errors.add(name + ": its input channels are those of " + groupOwner.get(g) + "; select one of them");
                continue;
            }
            int perIndex = 1;
            if (m instanceof Conv2d c) {
                perIndex = Math.toIntExact(c.kernelSize()[0] * c.kernelSize()[1]);
            }
            int[] featureChannel = new int[in.size() * perIndex];
            for (int f = 0; f < featureChannel.length; f++) {
                featureChannel[f] = in.channelOf(f / perIndex);
            }
            int[] candidates = Arrays.stream(featureChannel).distinct().filter(ch -> !g.isPinned(ch)).sorted().toArray();
            if (candidates.length == 0 && skipPinnedInputs) {
                LOG.info("{}: its input channels cannot be removed; skipped", name);
                continue;
            }
            if (candidates.length == 0) {
                String why = Arrays.stream(featureChannel).mapToObj(g::pinReason).filter(java.util.Optional::isPresent)
                        .map(java.util.Optional::get).findFirst().orElse("pinned");
                errors.add(name + ": its input channels cannot be removed (" + why + ")"
                        + (why.contains("model input") ? "; the first layer is not pruned" : ""));
                continue;
            }
            GraphNode node = groups.graph().node(name);
            long positions = 1;
            if (m instanceof Conv2d) {
                List<Long> out = node.outputShape();
                positions = Math.min(pixelsPerImage, out.get(2) * out.get(3));
            }
            long samples = images * positions;
            int keep = KeptChannels.count(candidates.length, ratio, channelRound);
            int maxPerChannel = 0;
            for (int ch : candidates) {
                int count = 0;
                for (int fc : featureChannel) {
                    count += fc == ch ? 1 : 0;
                }
                maxPerChannel = Math.max(maxPerChannel, count);
            }
            long pinnedFeatures = Arrays.stream(featureChannel).filter(g::isPinned).count();
            boolean hasBias = m.getParameter("bias") != null;
            long unknowns = (long) keep * maxPerChannel + pinnedFeatures + (hasBias ? 1 : 0);
            if (keep < candidates.length && samples < unknowns) {
                errors.add(String.format(Locale.ROOT, "%s: %d samples (%d images × %d positions) for up to %d unknowns per output "
                        + "(%d kept channels × %d features%s); too few samples for the requested channels: give more images "
                        + "(statistics_batch_num, trainset_ratio)%s", name, samples, images, positions, unknowns, keep,
                        maxPerChannel, hasBias ? " + intercept" : "", m instanceof Conv2d ? " or sampled_pixels_per_img" : ""));
                continue;
            }
            if (maskable != null) {
                List<GroupMember> unmaskedMembers = g.members().stream().filter(mm -> mm.dim() == ChannelDim.OUT
                        && mm.module().getParameter("weight") != null && !maskable.contains(mm.layer())).toList();
                // a weighted layer between producer and reader (a BatchNorm) would need masks too, but config entries
                // select Conv2d and Linear only: asking the user to select it would contradict the type check above
                List<String> unselectable = unmaskedMembers.stream().filter(mm -> !(mm.module() instanceof Conv2d
                        || mm.module() instanceof Linear)).map(mm -> mm.layer() + " (" + mm.module().typeName() + ")").toList();
                if (!unselectable.isEmpty()) {
                    errors.add(name + ": its input channels pass through " + String.join(", ", unselectable) + ", which "
                            + "channel pruning cannot mask (it selects Conv2d and Linear layers only), so it cannot remove them");
                    continue;
                }
                List<String> unmasked = unmaskedMembers.stream().map(GroupMember::layer).toList();
                if (!unmasked.isEmpty()) {
                    errors.add(name + ": its input channels come from " + String.join(", ", unmasked) + ", which no config_list "
                            + "entry selects, so they have no masks; select them too (an entry without compress_ratio only "
                            + "lets their filters go)");
                    continue;
                }
            }
            groupOwner.put(g, name);
            byName.put(name, new Target(name, m, ratio, in, g, node, featureChannel, candidates, samples));
        }
        if (!errors.isEmpty()) {
            // a ConfigException (an IllegalArgumentException): the command line reports bad settings as usage errors (exit 2)
            throw new ConfigException("channel pruning of " + model.typeName(), List.of(String.join("; ", errors)));
        }
        List<Target> ordered = new ArrayList<>();
        for (GraphNode n : groups.graph().moduleNodes()) {
            Target t = byName.remove(n.moduleName());
            if (t != null) {
                ordered.add(t);
            }
        }
        return ordered;
    }

    /** {@code Y} of every target in the original network: its output at the sampled positions, minus its bias. */
    private Map<Target, Tensor> originalResponses(List<Target> targets) {
        Map<Target, List<Tensor>> rows = new LinkedHashMap<>();
        targets.forEach(t -> rows.put(t, new ArrayList<>()));
        for (int b = 0; b < batches.size(); b++) {
            final int batch = b;
            List<HookHandle> hooks = new ArrayList<>();
            Map<Target, Tensor> got = new LinkedHashMap<>();
            try (PointerScope step = new PointerScope()) {
                for (Target t : targets) {
                    hooks.add(t.module().registerForwardHook((m, in, out) -> {
                        Tensor y = t.isConv() ? atPositions(t, out.flatten(2, -1), batch) : out;
                        Tensor bias = t.bias();
                        Tensor r = (bias == null ? y : y.sub(bias)).contiguous();
                        r.retainReference();
                        got.put(t, r);
                        return out;
                    }));
                }
                model.call(batches.get(b));
            } finally {
                hooks.forEach(HookHandle::remove);
            }
            got.forEach((t, r) -> rows.get(t).add(adopt(r)));
        }
        Map<Target, Tensor> out = new LinkedHashMap<>();
        rows.forEach((t, list) -> out.put(t, torch.cat(new TensorVector(list.toArray(Tensor[]::new)), 0)));
        return out;
    }

    /** {@code X} of {@code t} in the current (already pruned) network: {@code [samples, features]}. */
    private Tensor currentInputs(Target t) {
        List<Tensor> rows = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            final int batch = b;
            Tensor[] got = new Tensor[1];
            try (PointerScope step = new PointerScope();
                    HookHandle hook = t.module().registerForwardHook((m, in, out) -> {
                        Tensor x = in;
                        if (m instanceof Conv2d c) {
                            Tensor cols = torch.im2col(in, c.kernelSize(), c.dilation(), c.padding(), c.stride());
                            x = atPositions(t, cols, batch);
                        }
                        got[0] = x.contiguous();
                        got[0].retainReference();
                        return out;
                    })) {
                model.call(batches.get(b));
            }
            rows.add(adopt(got[0]));
        }
        return torch.cat(new TensorVector(rows.toArray(Tensor[]::new)), 0);
    }

    /**
     * Rows {@code [B·P, D]} of a {@code [B, D, L]} tensor at batch {@code batch}'s sampled positions of {@code t}'s
     * output map: the same positions for {@code X} and {@code Y}, drawn from the seed, the layer and the batch.
     */
    private Tensor atPositions(Target t, Tensor byPosition, int batch) {
        int places = Math.toIntExact(byPosition.size(2));
        int p = Math.min(pixelsPerImage, places);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < places; i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(seed * 1_000_003L + t.name().hashCode() * 31L + batch));
        long[] chosen = all.subList(0, p).stream().mapToLong(Integer::longValue).sorted().toArray();
        Tensor idx = Tensor.create(chosen, chosen.length);
        return byPosition.index_select(2, idx).permute(0, 2, 1).reshape(-1, byPosition.size(1));
    }

    /** Moves a retained tensor from a closed inner scope into the current one. */
    private static Tensor adopt(Tensor t) {
        PointerScope current = PointerScope.getInnerScope();
        if (current != null) {
            current.attach(t);
            t.releaseReference();
        }
        return t;
    }

    private LayerReport pruneLayer(Target t, Tensor y, Map<ChannelGroup, Set<Integer>> removed) {
        int c = t.candidates().length;
        int keep = KeptChannels.count(c, t.ratio(), channelRound);
        long macs = macs(t.node(), null, Map.of());
        if (keep == c) {
            return new LayerReport(t.name(), c, c, macs, -1, t.samples(), Double.NaN, 0, 0, 0, "");
        }
        try (PointerScope layer = new PointerScope()) {
            Tensor x = currentInputs(t);
            Tensor w2 = t.weight().reshape(t.weight().size(0), -1);
            double alpha = Double.NaN;
            int solves = 0;
            int[] keptChannels;
            if (selection == ChannelSelection.LASSO) {
                LassoSelection.Result r = lassoSelect(t, x, y, w2, keep);
                keptChannels = r.kept();
                alpha = r.alpha();
                solves = r.solves();
            } else {
                keptChannels = l1Select(t, w2, keep);
            }
            Set<Integer> keptSet = new TreeSet<>();
            Arrays.stream(keptChannels).forEach(keptSet::add);
            Set<Integer> candidateSet = new TreeSet<>();
            Arrays.stream(t.candidates()).forEach(candidateSet::add);
            long[] keptFeatures = java.util.stream.IntStream.range(0, t.featureChannel().length)
                    .filter(f -> !candidateSet.contains(t.featureChannel()[f]) || keptSet.contains(t.featureChannel()[f]))
                    .asLongStream().toArray();
            Tensor idx = Tensor.create(keptFeatures, keptFeatures.length);
            Tensor xk = x.index_select(1, idx).to(torch.ScalarType.Double);
            Tensor yd = y.to(torch.ScalarType.Double);
            Tensor bias = t.bias();
            LeastSquares.Fit fit;
            try {
                fit = LeastSquares.solve(xk, yd, bias != null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(t.name() + ": " + e.getMessage(), e);
            }
            double energy = yd.pow(new Scalar(2)).sum().item_double();
            double reconstruction = xk.matmul(fit.weight().t()).add(fit.intercept()).sub(yd).pow(new Scalar(2)).sum()
                    .item_double() / energy;
            double masking = xk.matmul(w2.index_select(1, idx).to(torch.ScalarType.Double).t()).sub(yd)
                    .pow(new Scalar(2)).sum().item_double() / energy;
            Tensor oldWeight = t.weight().clone();
            Tensor oldBias = bias == null ? null : bias.clone();
            Tensor full = torch.zeros(w2.shape(), new TensorOptions(torch.ScalarType.Double));
            full.index_copy_(1, idx, fit.weight());
            t.weight().copy_(full.reshape(t.weight().shape()).to(t.weight().scalar_type()));
            if (bias != null) {
                bias.add_(fit.intercept().to(bias.scalar_type()));
            }
            String note = "";
            if (evaluator != null && !Double.isNaN(accuracyThreshold)) {
                double accuracy = evaluator.applyAsDouble(model);
                if (accuracy < accuracyThreshold) {
                    t.weight().copy_(oldWeight);
                    if (bias != null) {
                        bias.copy_(oldBias);
                    }
                    note = String.format(Locale.ROOT, "accuracy_first: %.4f < %.4f with it pruned, kept whole", accuracy,
                            accuracyThreshold);
                    LOG.info("{}: {}", t.name(), note);
                    return new LayerReport(t.name(), c, c, macs, -1, x.size(0), alpha, solves, reconstruction, masking, note);
                }
            }
            Set<Integer> gone = removed.computeIfAbsent(t.group(), g -> new LinkedHashSet<>());
            for (int ch : t.candidates()) {
                if (!keptSet.contains(ch)) {
                    gone.add(ch);
                }
            }
            return new LayerReport(t.name(), c, keep, macs, -1, x.size(0), alpha, solves, reconstruction, masking, note);
        }
    }

    /** The features (columns of {@code X} and of the 2-D weight) of group channel {@code ch}. */
    private static Tensor featuresOf(Target t, int ch) {
        long[] f = java.util.stream.IntStream.range(0, t.featureChannel().length).filter(i -> t.featureChannel()[i] == ch)
                .asLongStream().toArray();
        return Tensor.create(f, f.length);
    }

    private LassoSelection.Result lassoSelect(Target t, Tensor x, Tensor y, Tensor w2, int keep) {
        long m = x.size(0);
        Tensor rows;
        if (m > LASSO_ROWS) {
            List<Long> all = new ArrayList<>();
            for (long i = 0; i < m; i++) {
                all.add(i);
            }
            Collections.shuffle(all, new Random(seed ^ t.name().hashCode()));
            long[] chosen = all.subList(0, LASSO_ROWS).stream().mapToLong(Long::longValue).sorted().toArray();
            rows = Tensor.create(chosen, chosen.length);
        } else {
            rows = torch.arange(new Scalar(m)).to(torch.ScalarType.Long);
        }
        Tensor xs = x.index_select(0, rows).to(torch.ScalarType.Double);
        Tensor target = y.index_select(0, rows).to(torch.ScalarType.Double);
        Tensor wd = w2.to(torch.ScalarType.Double);
        Set<Integer> candidateSet = new TreeSet<>();
        Arrays.stream(t.candidates()).forEach(candidateSet::add);
        for (int ch : Arrays.stream(t.featureChannel()).distinct().toArray()) {
            if (!candidateSet.contains(ch)) {   // a pinned channel stays: its contribution is given
                Tensor f = featuresOf(t, ch);
                target = target.sub(xs.index_select(1, f).matmul(wd.index_select(1, f).t()));
            }
        }
        List<Tensor> columns = new ArrayList<>();
        List<Integer> live = new ArrayList<>();
        List<Integer> dead = new ArrayList<>();
        for (int ch : t.candidates()) {
            Tensor f = featuresOf(t, ch);
            Tensor z = xs.index_select(1, f).matmul(wd.index_select(1, f).t()).flatten();
            if (z.abs().max().item_double() > 0) {
                columns.add(z);
                live.add(ch);
            } else {
                dead.add(ch);   // contributes nothing on the samples: the first to go
            }
        }
        if (live.size() <= keep) {
            List<Integer> kept = new ArrayList<>(live);
            kept.addAll(dead.subList(0, keep - live.size()));
            return new LassoSelection.Result(kept.stream().mapToInt(Integer::intValue).sorted().toArray(), Double.NaN,
                    live.size(), new double[0], 0);
        }
        Tensor z = torch.stack(new TensorVector(columns.toArray(Tensor[]::new)), 1);
        try (Lasso lasso = new Lasso(z, target.flatten())) {
            double start = alphaWarmStart && !Double.isNaN(previousAlpha) ? previousAlpha : alphaInit;
            LassoSelection.Result r = LassoSelection.select(lasso, keep, start);
            previousAlpha = r.alpha();
            LOG.debug("{}: α search from {} ended at {} after {} LASSO solves", t.name(), start, r.alpha(), r.solves());
            int[] kept = Arrays.stream(r.kept()).map(live::get).sorted().toArray();
            return new LassoSelection.Result(kept, r.alpha(), r.survivors(), r.beta(), r.solves());
        }
    }

    private static int[] l1Select(Target t, Tensor w2, int keep) {
        double[] scores = new double[t.candidates().length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = w2.index_select(1, featuresOf(t, t.candidates()[i])).abs().sum().item_double();
        }
        return Arrays.stream(LassoSelection.TopK.largestAbs(scores, keep)).map(i -> t.candidates()[i]).sorted().toArray();
    }

    /**
     * Multiply-accumulates per sample of a Conv2d or Linear node (0 for any other) with {@code removed} channels
     * gone from its groups ({@code groups} null: none removed).
     */
    private static long macs(GraphNode n, DependencyGroups groups, Map<ChannelGroup, int[]> removed) {
        Module m = n.module();
        if (!(m instanceof Conv2d || m instanceof Linear)) {
            return 0;
        }
        long[] w = m.getParameter("weight").shape();
        long out = w[0];
        long in = w[1];
        if (groups != null) {
            out -= removedIndices(groups, n.moduleName(), ChannelDim.OUT, removed);
            in -= removedIndices(groups, n.moduleName(), ChannelDim.IN, removed);
        }
        if (m instanceof Conv2d) {
            List<Long> shape = n.outputShape();
            return out * in * w[2] * w[3] * shape.get(2) * shape.get(3);
        }
        return out * in;
    }

    private static long removedIndices(DependencyGroups groups, String layer, ChannelDim dim, Map<ChannelGroup, int[]> removed) {
        if (!groups.hasMember(layer, dim)) {
            return 0;
        }
        ChannelGroup g = groups.groupOf(layer, dim);
        int[] channels = removed.get(g);
        if (channels == null) {
            return 0;
        }
        GroupMember member = groups.member(layer, dim);
        long count = 0;
        for (int ch : channels) {
            count += member.indicesOf(ch).length;
        }
        return count;
    }

    /** Builder of {@link ChannelPruning} (DJL style: {@code set…} required, {@code opt…} optional). */
    public static final class Builder {
        private Module model;
        private List<Tensor> batches;
        private Map<String, Double> ratios;
        private ChannelSelection selection = ChannelSelection.LASSO;
        private int channelRound = 1;
        private int pixelsPerImage = DEFAULT_PIXELS_PER_IMAGE;
        private double alphaInit = LassoSelection.DEFAULT_ALPHA_INIT;
        private boolean alphaWarmStart = true;
        private long seed = 0;
        private ToDoubleFunction<Module> evaluator;
        private double accuracyThreshold = Double.NaN;
        private Progress progress = Progress.NONE;
        private boolean shrink = true;
        private boolean logSummary = true;
        private Consumer<Map<String, Tensor>> maskSink;
        private boolean skipPinnedInputs;
        private Set<String> maskable;

        private Builder() {
        }

        /** The trained model to prune (required); it is changed in place. */
        public Builder setModel(Module model) {
            this.model = model;
            return this;
        }

        /** The sample images, in batches {@code [B, C, H, W]} (required, at least one); the caller keeps them. */
        public Builder setSampleBatches(List<Tensor> batches) {
            this.batches = batches;
            return this;
        }

        /**
         * The layers to prune (required), each with its kept share of FLOPs {@code (0, 1]}: the share of its input
         * channels it keeps, which its FLOPs scale with.
         */
        public Builder setLayerRatios(Map<String, Double> ratios) {
            this.ratios = ratios;
            return this;
        }

        /** LASSO (the default) or L1. */
        public Builder optSelection(ChannelSelection selection) {
            this.selection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /** The multiple kept channel counts are rounded up to (default 1). */
        public Builder optChannelRound(int channelRound) {
            this.channelRound = channelRound;
            return this;
        }

        /** Output positions sampled per image of a batch for a convolution (default {@value #DEFAULT_PIXELS_PER_IMAGE}). */
        public Builder optSampledPixelsPerImage(int pixels) {
            this.pixelsPerImage = pixels;
            return this;
        }

        /** The LASSO α search's start (default 1e-3). */
        public Builder optLarsAlphaInit(double alpha) {
            this.alphaInit = alpha;
            return this;
        }

        /**
         * Whether each layer's α search starts from the previous layer's final α (default true, as He et al.'s code
         * does) instead of from {@link #optLarsAlphaInit} every time; the first layer starts from the latter.
         */
        public Builder optLarsAlphaWarmStart(boolean warmStart) {
            this.alphaWarmStart = warmStart;
            return this;
        }

        /** The seed of the sampled positions and LASSO rows (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Accuracy-first: {@code evaluator} measures the model's validation accuracy; a layer whose pruning would
         * bring it below {@code threshold} is restored and kept whole. The evaluator also gives the report's
         * accuracy before and after (without fine-tuning).
         */
        public Builder optAccuracyFirst(ToDoubleFunction<Module> evaluator, double threshold) {
            this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
            this.accuracyThreshold = threshold;
            return this;
        }

        /** Only measures accuracy before and after with {@code evaluator} (no accuracy-first). */
        public Builder optEvaluator(ToDoubleFunction<Module> evaluator) {
            this.evaluator = evaluator;
            return this;
        }

        /** Hears of each finished layer ({@link Progress#bar}); default nothing. */
        public Builder optProgress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Whether to shrink the model physically at the end (default true). Without, the model keeps its shapes
         * with the refitted weights (removed columns zero) and {@link #optMaskSink} receives the channel masks of
         * every member of the affected groups, for a compressor's mask buffers.
         */
        public Builder optShrink(boolean shrink) {
            this.shrink = shrink;
            return this;
        }

        /**
         * Whether the per-layer summary is logged at INFO (default true); false logs it at DEBUG, for callers that
         * prune many candidates (a search's scorer).
         */
        public Builder optLogSummary(boolean logSummary) {
            this.logSummary = logSummary;
            return this;
        }

        /** Receives the channel masks ({@code <layer>.weight_mask}, {@code bias_mask}) while they are alive. */
        public Builder optMaskSink(Consumer<Map<String, Tensor>> sink) {
            this.maskSink = sink;
            return this;
        }

        /**
         * Whether a layer none of whose input channels can be removed (the first layer: its input is the model's)
         * is skipped with a log line instead of refused (default false: refused). For selections by type.
         */
        public Builder optSkipPinnedInputs(boolean skip) {
            this.skipPinnedInputs = skip;
            return this;
        }

        /**
         * The layers that can take masks (a compressor's wrapped layers): a selected layer whose removed channels
         * would leave another layer is refused, before anything changes, when that layer is not one of them.
         * Default: any layer (the model is shrunk directly).
         */
        public Builder optMaskableLayers(Set<String> layers) {
            this.maskable = layers;
            return this;
        }

        /**
         * Checks the optional settings.
         *
         * @param owner names the builder in messages
         * @throws IllegalArgumentException naming the first setting out of range
         */
        void checkOptions(String owner) {
            if (channelRound < 1) {
                throw new IllegalArgumentException(owner + ": channel_round must be at least 1, got " + channelRound);
            }
            if (pixelsPerImage < 1) {
                throw new IllegalArgumentException(owner + ": sampled_pixels_per_img must be at least 1, got " + pixelsPerImage);
            }
            if (!(alphaInit > 0) || Double.isInfinite(alphaInit)) {
                throw new IllegalArgumentException(owner + ": lars_alpha_init must be a positive number, got " + alphaInit);
            }
        }

        /**
         * The pruning.
         *
         * @throws IllegalArgumentException naming the first missing or invalid setting
         */
        public ChannelPruning build() {
            if (model == null) {
                throw new IllegalArgumentException("ChannelPruning: setModel(...) was not called");
            }
            if (batches == null || batches.isEmpty()) {
                throw new IllegalArgumentException("ChannelPruning: setSampleBatches(...) needs at least one batch of images");
            }
            if (ratios == null || ratios.isEmpty()) {
                throw new IllegalArgumentException("ChannelPruning: setLayerRatios(...) needs at least one layer");
            }
            checkOptions("ChannelPruning");
            return new ChannelPruning(this);
        }
    }
}
