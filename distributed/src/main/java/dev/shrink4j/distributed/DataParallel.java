package dev.shrink4j.distributed;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.HookHandle;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.ParamGroup;
import dev.shrink4j.nn.optim.StepListener;
import dev.shrink4j.workbench.train.EpochResult;
import dev.shrink4j.workbench.train.Metrics;
import dev.shrink4j.workbench.train.Trainer;
import dev.shrink4j.workbench.train.TrainingListener;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of one model replica per rank, PyTorch DDP's semantics on shrink4j's
 * optimizer hooks: every rank trains on its own shard ({@link DistributedSampler}) and all ranks keep
 * bit-identical weights, as if one process trained on the union of their batches.
 *
 * <ul>
 *   <li><b>Start</b> ({@link Builder#build()}): rank 0's parameters, model buffers and compressor
 *       buffers are broadcast to every rank.</li>
 *   <li><b>Before each optimizer step</b> (a {@link dev.shrink4j.nn.optim.GradientHook}, so after backward
 *       and before every step listener): the gradients are averaged by all-reduce, in buckets of at most
 *       {@link Builder#optBucketBytes} bytes per dtype; compressor buffers with policy {@link BufferPolicy#MIN}/
 *       {@link BufferPolicy#MAX} (observer ranges) and {@link BufferPolicy#AVERAGE} are reduced, and with
 *       {@link Builder#optBatchNormSync} (default on) so are the batch norms' running mean and variance
 *       (averaged). Compressors' step listeners (masks, penalties, schedules) therefore see the averaged
 *       gradients and the reduced statistics.</li>
 *   <li><b>After each optimizer step</b> (a step listener registered after the compressors' own): the
 *       other compressor buffers ({@link BufferPolicy#FROM_RANK_ZERO}: masks, stored scales) are compared
 *       by digest, and any that differ are broadcast from rank 0.</li>
 *   <li><b>At each epoch's end</b> ({@link #epochCheck()} as a trainer listener, or {@link #verifyConsistency}):
 *       a digest all-gather checks that every parameter and compressor buffer (and the batch-norm
 *       statistics when synchronised) is identical on all ranks; if not, every rank throws an
 *       {@link InconsistentRanksException} naming the tensors and the ranks. Rank 0 then logs the epoch's
 *       loss and accuracy over all ranks.</li>
 * </ul>
 *
 * <pre>{@code
 * pruner.compress();                                   // first: its step listener must run before the reconciliation
 * try (DataParallel dp = DataParallel.builder().setContext(ctx).setReplica(model, sgd).addCompressor(pruner).build()) {
 *     Trainer trainer = Trainer.builder().setModel(model).setOptimizer(sgd).optProgressBar(ctx.isMain())
 *             .addListener(dp.epochCheck()).build();
 *     trainer.fit(shardLoader, epochs);
 * }
 * }</pre>
 *
 * <p><b>What stays per rank.</b> A training forward normalises with its own batch's statistics (this is
 * not SyncBatchNorm); the running statistics are averaged after it. An observer folds its own batch's
 * range into its moving average during the forward (so a quantizing forward uses the rank's range for
 * that batch); the ranges are all-reduced before the step, after which they equal one process's on the
 * union batch. Statistics that compressors keep outside their buffers (the activation collectors of the
 * APoZ, mean-activation and Taylor pruners) are not seen here: their masks are rank 0's, broadcast after
 * the step that computes them. A loop that runs statistics batches without optimizer steps (calibration)
 * calls {@link #synchronizeBuffers()} before and after the compressor computes its masks or ranges.
 *
 * <p><b>Memory.</b> Flat buffers live in a {@code PointerScope} of each synchronisation; nothing native
 * outlives a step. {@link #close()} removes the hooks; the model, optimizer and context are not closed.
 */
public final class DataParallel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataParallel.class);

    /** The default gradient bucket: 25 MiB, PyTorch DDP's {@code bucket_cap_mb}. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    /** A rule of the builder: buffers whose name starts with {@code prefix} follow {@code policy}. */
    private record Rule(String prefix, BufferPolicy policy) {
    }

    /** A tensor with the name messages give it and the policy that keeps it consistent. */
    private record Named(String name, Tensor tensor, BufferPolicy policy) {
    }

    private final DistributedContext ctx;
    private final Module model;
    private final Optimizer optimizer;
    private final List<Compressor> compressors;
    private final boolean batchNormSync;
    private final long bucketBytes;
    private final List<Rule> rules;
    private final Set<String> reportedBroadcasts = new HashSet<>();
    private HookHandle gradientHook;
    private HookHandle stepListener;
    private long steps;
    private long communicationNanos;
    private long gradientBytes;
    private long bufferBytes;

    private DataParallel(Builder b) {
        this.ctx = b.ctx;
        this.compressors = List.copyOf(b.compressors);
        this.model = b.model;
        this.rules = List.copyOf(b.rules);
        this.optimizer = b.optimizer;
        this.batchNormSync = b.batchNormSync;
        this.bucketBytes = b.bucketBytes;
    }

    /** A builder: {@code setContext} and {@code setReplica} are required. */
    public static Builder builder() {
        return new Builder();
    }

    private void start() {
        List<Named> all = new ArrayList<>();
        model.namedParameters().forEach((n, t) -> all.add(new Named(n, t, BufferPolicy.FROM_RANK_ZERO)));
        model.namedBuffers().forEach((n, t) -> all.add(new Named(n, t, BufferPolicy.FROM_RANK_ZERO)));
        all.addAll(compressorBuffers());
        for (Named n : all) {
            ctx.broadcast(n.tensor(), 0, "broadcast of rank 0's " + n.name());
        }
        gradientHook = optimizer.addGradientHook(o -> synchronizeBeforeStep("step " + (o.stepCount() + 1)));
        stepListener = optimizer.addStepListener(new StepListener() {
            @Override
            public void afterStep(Optimizer o) {
                long t0 = System.nanoTime();
                reconcile("step " + o.stepCount());
                communicationNanos += System.nanoTime() - t0;
            }
        });
        if (ctx.isMain()) {
            LOG.info("data-parallel over {} ranks: rank 0's {} tensors broadcast; {} parameters averaged per step",
                    ctx.worldSize(), all.size(), model.parameterCount());
        }
    }

    private void synchronizeBeforeStep(String when) {
        long t0 = System.nanoTime();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            averageGradients(when);
            bufferBytes = reduceBuffers(when);
        }
        communicationNanos += System.nanoTime() - t0;
        steps++;
    }

    /** All-reduces (AVG) every trained parameter's gradient, in buckets of at most {@code bucketBytes} per dtype. */
    private void averageGradients(String when) {
        Map<torch.ScalarType, List<Tensor>> byType = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        int index = 0;
        for (ParamGroup g : optimizer.paramGroups()) {
            for (Tensor p : g.params()) {
                if (p.requires_grad()) {
                    Tensor grad = p.grad();
                    if (grad.defined()) {
                        byType.computeIfAbsent(grad.scalar_type().intern(), k -> new ArrayList<>()).add(grad);
                    } else {
                        missing.add(parameterName(p, index));
                    }
                }
                index++;
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("DataParallel (" + when + ", rank " + ctx.rank() + "): " + missing.size()
                    + " trained parameter(s) have no gradient after backward: " + missing + "; every rank must compute a "
                    + "gradient for every parameter the optimizer trains (freeze unused ones with requires_grad(false))");
        }
        long total = 0;
        int bucket = 0;
        for (List<Tensor> grads : byType.values()) {
            List<Tensor> current = new ArrayList<>();
            long bytes = 0;
            for (Tensor grad : grads) {
                long size = grad.nbytes();
                if (!current.isEmpty() && bytes + size > bucketBytes) {
                    total += allReduceFlat(current, Reduction.AVG, "all-reduce of the gradients (" + when + ", bucket "
                            + bucket++ + ")");
                    current = new ArrayList<>();
                    bytes = 0;
                }
                current.add(grad);
                bytes += size;
            }
            total += allReduceFlat(current, Reduction.AVG, "all-reduce of the gradients (" + when + ", bucket " + bucket++ + ")");
        }
        gradientBytes = total;
    }

    private String parameterName(Tensor p, int index) {
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            if (e.getValue().is_same(p)) {
                return e.getKey();
            }
        }
        return "optimizer parameter #" + index;
    }

    /**
     * Reduces the MIN/MAX compressor buffers in one MIN all-reduce (maxima negated: negation is exact)
     * and the averaged ones (AVERAGE buffers, batch-norm statistics when synchronised) in one AVG
     * all-reduce per dtype.
     *
     * @return the bytes all-reduced
     */
    private long reduceBuffers(String when) {
        List<Tensor> extremes = new ArrayList<>();
        List<Boolean> negate = new ArrayList<>();
        List<Tensor> averaged = new ArrayList<>();
        for (Named n : compressorBuffers()) {
            switch (n.policy()) {
                case MIN, MAX -> {
                    extremes.add(n.tensor());
                    negate.add(n.policy() == BufferPolicy.MAX);
                }
                case AVERAGE -> averaged.add(n.tensor());
                case FROM_RANK_ZERO -> {
                    // reconciled after the step
                }
            }
        }
        if (batchNormSync) {
            batchNormStatistics().forEach(n -> averaged.add(n.tensor()));
        }
        long bytes = 0;
        if (!extremes.isEmpty()) {
            bytes += allReduceFlat(extremes, negate, Reduction.MIN, "all-reduce of the tracked ranges (" + when + ")");
        }
        if (!averaged.isEmpty()) {
            bytes += allReduceFlat(averaged, Reduction.AVG, "all-reduce of the averaged buffers (" + when + ")");
        }
        return bytes;
    }

    private long allReduceFlat(List<Tensor> tensors, Reduction reduction, String what) {
        return allReduceFlat(tensors, java.util.Collections.nCopies(tensors.size(), false), reduction, what);
    }

    /**
     * All-reduces {@code tensors} through one flat tensor per dtype (no cast), each negated on the way in
     * and out where {@code negate} says so, and copies the results back in place.
     *
     * @return the bytes all-reduced
     */
    private long allReduceFlat(List<Tensor> tensors, List<Boolean> negate, Reduction reduction, String what) {
        Map<torch.ScalarType, List<Integer>> byType = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            byType.computeIfAbsent(tensors.get(i).scalar_type().intern(), k -> new ArrayList<>()).add(i);
        }
        long bytes = 0;
        for (List<Integer> group : byType.values()) {
            TensorVector parts = new TensorVector();
            for (int i : group) {
                Tensor flat = tensors.get(i).reshape(-1);
                parts.push_back(negate.get(i) ? flat.neg() : flat);
            }
            Tensor flat = torch.cat(parts);
            ctx.allReduce(flat, reduction, what);
            long offset = 0;
            for (int i : group) {
                Tensor t = tensors.get(i);
                Tensor part = flat.narrow(0, offset, t.numel()).view_as(t);
                t.copy_(negate.get(i) ? part.neg() : part);
                offset += t.numel();
            }
            bytes += flat.nbytes();
        }
        return bytes;
    }

    /** Broadcasts from rank 0 every FROM_RANK_ZERO compressor buffer whose digest differs between ranks. */
    private void reconcile(String when) {
        try (PointerScope scope = new PointerScope()) {
            List<Named> fromZero = new ArrayList<>();
            for (Named n : compressorBuffers()) {
                if (n.policy() == BufferPolicy.FROM_RANK_ZERO) {
                    fromZero.add(n);
                }
            }
            if (fromZero.isEmpty()) {
                return;
            }
            long[][] digests = ctx.allGather(digests(fromZero), "all-gather of the buffer digests (" + when + ")");
            for (int i = 0; i < fromZero.size(); i++) {
                if (rankGroups(digests, i).size() > 1) {
                    Named n = fromZero.get(i);
                    ctx.broadcast(n.tensor(), 0, "broadcast of rank 0's " + n.name() + " (" + when + ")");
                    if (reportedBroadcasts.add(n.name()) && ctx.isMain()) {
                        LOG.info("{} differed between ranks at {}; every rank now holds rank 0's (computed from rank 0's data)",
                                n.name(), when);
                    }
                }
            }
        }
    }

    /**
     * Reduces the MIN/MAX/AVERAGE buffers and the batch-norm statistics, then broadcasts rank 0's value of
     * every other compressor buffer that differs between ranks: what happens around each optimizer step,
     * for loops that feed statistics batches without one. Call it after the batches, before the compressor
     * computes its masks or ranges, and again after.
     */
    public void synchronizeBuffers() {
        long t0 = System.nanoTime();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            reduceBuffers("buffer synchronisation");
        }
        reconcile("buffer synchronisation");
        communicationNanos += System.nanoTime() - t0;
    }

    /**
     * Checks that every rank holds the same values of every parameter and compressor buffer (and of the
     * batch-norm statistics when they are synchronised), by an all-gather of 64-bit digests of their bytes.
     *
     * @param when names the moment in the message, e.g. {@code "after epoch 3"}
     * @throws InconsistentRanksException on every rank, naming each differing tensor and which ranks agree
     */
    public void verifyConsistency(String when) {
        try (PointerScope scope = new PointerScope()) {
            List<Named> checked = new ArrayList<>();
            model.namedParameters().forEach((n, t) -> checked.add(new Named(n, t, BufferPolicy.FROM_RANK_ZERO)));
            if (batchNormSync) {
                checked.addAll(batchNormStatistics());
            }
            checked.addAll(compressorBuffers());
            long[][] counts = ctx.allGather(new long[] {checked.size()}, "consistency check " + when + " (tensor count)");
            Map<Long, List<Integer>> countGroups = rankGroups(counts, 0);
            if (countGroups.size() > 1) {
                throw new InconsistentRanksException(when + ": the ranks compare different numbers of tensors ("
                        + describe(countGroups, " tensors") + "); are the same layers compressed on every rank?", List.of());
            }
            long[][] digests = ctx.allGather(digests(checked), "consistency check " + when);
            List<String> names = new ArrayList<>();
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < checked.size(); i++) {
                Map<Long, List<Integer>> groups = rankGroups(digests, i);
                if (groups.size() > 1) {
                    names.add(checked.get(i).name());
                    parts.add(checked.get(i).name() + " (" + describe(groups, "") + ")");
                }
            }
            if (!names.isEmpty()) {
                throw new InconsistentRanksException(when + ": the ranks hold different values of " + names.size()
                        + (names.size() == 1 ? " tensor: " : " tensors: ") + String.join("; ", parts), names);
            }
        }
        LOG.debug("rank {}: consistency check {} passed", ctx.rank(), when);
    }

    /** Which ranks hold which value of column {@code i}, by value, in order of first appearance. */
    private static Map<Long, List<Integer>> rankGroups(long[][] byRank, int i) {
        Map<Long, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < byRank.length; r++) {
            groups.computeIfAbsent(byRank[r][i], k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    /** "rank 0 ≠ rank 1", "ranks 0, 1, 3 ≠ rank 2"; with a unit, each group's value: "rank 0: 12 tensors ≠ …". */
    private static String describe(Map<Long, List<Integer>> groups, String unit) {
        List<String> parts = new ArrayList<>();
        groups.forEach((value, ranks) -> {
            String who = (ranks.size() == 1 ? "rank " : "ranks ") + String.join(", ", ranks.stream().map(String::valueOf).toList());
            parts.add(unit.isEmpty() ? who : who + ": " + value + unit);
        });
        return String.join(" ≠ ", parts);
    }

    /**
     * A trainer listener for the end of every epoch: {@link #verifyConsistency}, then rank 0 logs the epoch's
     * training metrics over all ranks ({@link #acrossRanks}; the trainer's own line shows its rank's shard).
     */
    public TrainingListener epochCheck() {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(Trainer trainer, EpochResult result) {
                verifyConsistency("after epoch " + (result.epoch() + 1));
                Metrics all = acrossRanks(result.train());
                if (ctx.isMain()) {
                    LOG.info("epoch {} over {} ranks: train {}", result.epoch() + 1, ctx.worldSize(), all);
                }
            }
        };
    }

    /**
     * The metrics of all ranks together, from each rank's {@code local} ones: losses and correct predictions
     * summed over every rank's samples. Every rank must call it.
     *
     * @throws RankFailureException when a rank is lost
     */
    public Metrics acrossRanks(Metrics local) {
        double lossSum = local.samples() == 0 ? 0 : local.loss() * local.samples();
        double correct = local.samples() == 0 ? 0 : Math.rint(local.accuracy() * local.samples());
        try (PointerScope scope = new PointerScope()) {
            Tensor sums = Tensor.create(new double[] {lossSum, correct, local.samples()});
            ctx.allReduce(sums, Reduction.SUM, "all-reduce of the epoch's metrics");
            double[] out = new double[3];
            sums.data_ptr_double().get(out);
            return Metrics.of(out[0], Math.round(out[1]), Math.round(out[2]));
        }
    }

    /** What was communicated so far. */
    public CommunicationStats statistics() {
        return new CommunicationStats(steps, communicationNanos, gradientBytes, bufferBytes);
    }

    /** The context this runs on. */
    public DistributedContext context() {
        return ctx;
    }

    /** Every buffer of every attached compressor (in wrapper order) with its policy. */
    private List<Named> compressorBuffers() {
        List<Named> out = new ArrayList<>();
        for (Compressor c : compressors) {
            if (!c.isCompressed()) {
                continue;
            }
            for (ModuleWrapper w : c.getModulesWrapper()) {
                w.buffers().forEach((n, t) -> out.add(new Named(w.name() + "." + n, t, policy(n))));
            }
        }
        return out;
    }

    private BufferPolicy policy(String bufferName) {
        for (Rule r : rules) {
            if (bufferName.startsWith(r.prefix())) {
                return r.policy();
            }
        }
        return BufferPolicy.FROM_RANK_ZERO;
    }

    private List<Named> batchNormStatistics() {
        List<Named> out = new ArrayList<>();
        model.namedModules().forEach((name, m) -> {
            if (m instanceof BatchNorm bn) {
                String prefix = name.isEmpty() ? "" : name + ".";
                out.add(new Named(prefix + "running_mean", bn.runningMean(), BufferPolicy.AVERAGE));
                out.add(new Named(prefix + "running_var", bn.runningVar(), BufferPolicy.AVERAGE));
            }
        });
        return out;
    }

    /** 64-bit digests of the tensors' bytes (CRC-32C and CRC-32 side by side), read in place. */
    private static long[] digests(List<Named> tensors) {
        long[] out = new long[tensors.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = digest(tensors.get(i).tensor());
        }
        return out;
    }

    static long digest(Tensor t) {
        Tensor c = t.detach().contiguous();
        long n = c.nbytes();
        if (n == 0) {
            return 0;
        }
        ByteBuffer bytes = new BytePointer(c.data_ptr()).capacity(n).asByteBuffer();
        CRC32C a = new CRC32C();
        a.update(bytes.duplicate());
        CRC32 b = new CRC32();
        b.update(bytes);
        return a.getValue() << 32 | b.getValue();
    }

    /** Removes the gradient hook and the step listener. Idempotent; the context, model and optimizer stay open. */
    @Override
    public void close() {
        if (gradientHook != null) {
            gradientHook.remove();
            stepListener.remove();
        }
    }

    /** Options for {@link DataParallel}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private DistributedContext ctx;
        private Module model;
        private Optimizer optimizer;
        private final List<Compressor> compressors = new ArrayList<>();
        private boolean batchNormSync = true;
        private long bucketBytes = DEFAULT_BUCKET_BYTES;
        private final List<Rule> rules = new ArrayList<>(List.of(new Rule("tracked_min_", BufferPolicy.MIN),
                new Rule("tracked_max_", BufferPolicy.MAX)));

        private Builder() {
        }

        /** The process group (required). */
        public Builder setContext(DistributedContext ctx) {
            this.ctx = ctx;
            return this;
        }

        /** This rank's model replica and the optimizer over its parameters, whose steps are synchronised (required). */
        public Builder setReplica(Module model, Optimizer optimizer) {
            this.model = model;
            this.optimizer = optimizer;
            return this;
        }

        /**
         * A compressor on the model whose buffers are kept consistent. It must already be compressed, so its
         * step listener runs before the reconciliation after each step.
         */
        public Builder addCompressor(Compressor compressor) {
            compressors.add(Objects.requireNonNull(compressor, "compressor"));
            return this;
        }

        /** Whether batch norms' running mean and variance are averaged over the ranks every step (default: yes). */
        public Builder optBatchNormSync(boolean batchNormSync) {
            this.batchNormSync = batchNormSync;
            return this;
        }

        /** The largest gradient bucket, in bytes (default 25 MiB); a larger gradient gets a bucket of its own. */
        public Builder optBucketBytes(long bucketBytes) {
            this.bucketBytes = bucketBytes;
            return this;
        }

        /**
         * Compressor buffers whose name (the wrapper's, e.g. {@code weight_mask}) starts with {@code prefix}
         * follow {@code policy}; rules added here come before the defaults ({@code tracked_min_} → MIN,
         * {@code tracked_max_} → MAX; everything else {@link BufferPolicy#FROM_RANK_ZERO}).
         */
        public Builder optBufferPolicy(String prefix, BufferPolicy policy) {
            rules.add(rules.size() - 2, new Rule(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(policy, "policy")));
            return this;
        }

        /**
         * Broadcasts rank 0's parameters, model buffers and compressor buffers to every rank and installs
         * the hooks. Every rank must call it, with the same model and compressors.
         *
         * @throws IllegalArgumentException naming the first missing or invalid option
         * @throws IllegalStateException    when a compressor is not compressed
         * @throws RankFailureException     when a rank is lost during the broadcast
         */
        public DataParallel build() {
            if (ctx == null || model == null || optimizer == null) {
                throw new IllegalArgumentException("DataParallel: " + (ctx == null ? "setContext" : "setReplica")
                        + " is required");
            }
            if (bucketBytes < 1) {
                throw new IllegalArgumentException("DataParallel: bucket size must be positive, got " + bucketBytes + " bytes");
            }
            for (Compressor c : compressors) {
                if (!c.isCompressed()) {
                    throw new IllegalStateException("DataParallel: call compress() on " + c.getClass().getSimpleName()
                            + " before building DataParallel, so that its step listener runs before the buffer reconciliation");
                }
                if (c.model() != model) {
                    throw new IllegalArgumentException("DataParallel: " + c.getClass().getSimpleName()
                            + " compresses another model than the one given to setReplica");
                }
            }
            DataParallel dp = new DataParallel(this);
            dp.start();
            return dp;
        }
    }
}
