package dev.shrink4j.search.core;

import dev.shrink4j.amc.channel.ChannelPruning;
import dev.shrink4j.amc.channel.ChannelSelection;
import dev.shrink4j.graph.ChannelDim;
import dev.shrink4j.graph.ChannelGroup;
import dev.shrink4j.graph.DependencyGroups;
import dev.shrink4j.graph.speedup.ChannelMasks;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.search.env.ChannelPruningEnv;
import dev.shrink4j.search.env.PrunableLayer;
import dev.shrink4j.search.scoring.CandidateScorer;
import dev.shrink4j.search.scoring.Score;
import dev.shrink4j.workbench.data.Batch;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.train.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores per-layer keep ratios on a real, physically pruned copy of a trained model, the way AMC and
 * MetaPruning score a candidate without fine-tuning:
 * <ol>
 *   <li>a fresh copy of the architecture gets the trained weights;</li>
 *   <li>the environment's rounding turns the ratios into kept channels per dependency group
 *       ({@link ChannelPruningEnv#keptChannels(double[])}); each group keeps its channels of largest L1 norm,
 *       summed over the filters of its Conv2d and Linear output members (the L1-filter criterion, group-wise:
 *       {@link ChannelPruningEnv#removedChannels}, the channels the environment's FLOPs assume removed);</li>
 *   <li>{@link ChannelMasks} and {@link ModelSpeedup} shrink the copy; or, with {@link Builder#optReconstruction}
 *       (mit-han-lab/amc's environment), {@link ChannelPruning} with {@link ChannelSelection#L1} keeps, for each
 *       group, the channels whose weight columns in the group's reading layer have the largest L1 norm and refits
 *       that layer by least squares to the original model's outputs on the calibration images (what
 *       {@code prune --config best-config.json} does to the searched widths), then shrinks;</li>
 *   <li>BatchNorm running statistics are recalibrated on the first calibration batches of the training data
 *       (reset, then the plain average of the batches' statistics, PyTorch's {@code momentum=None});</li>
 *   <li>optionally ({@link Builder#optFineTune}, NetAdapt's short-term fine-tune) a few Adam steps on the training
 *       part, the same batches for every candidate, so candidates are compared after a first recovery;</li>
 *   <li>accuracy on the held-out split: the <em>last</em> {@code validationSize} samples of the training
 *       set, never the test set (the reference's {@code val_size} split); real FLOPs from
 *       {@link ModelProfiler}.</li>
 * </ol>
 * Reward {@link Reward#ACC} = accuracy in percent × 0.01, {@link Reward#ACC_FLOPS} =
 * {@code −(100 − acc) · 0.01 · ln(FLOPs)} (mit-han-lab/amc {@code env/rewards.py}), {@link Reward#NEG_LOSS} = minus
 * the mean cross entropy on the held-out split (a continuous score: two candidates whose accuracies differ by a few
 * borderline samples are told apart by how sure they are of the rest). Each copy is closed after
 * scoring; every batch runs inside a {@link PointerScope}.
 */
public final class CandidateEvaluator implements CandidateScorer {

    private static final Logger LOG = LoggerFactory.getLogger(CandidateEvaluator.class);

    /** The reward of a candidate. */
    public enum Reward {
        /** Accuracy × 0.01 (accuracy in percent). */
        ACC,
        /** {@code −(100 − acc) · 0.01 · ln(FLOPs)}. */
        ACC_FLOPS,
        /** Minus the mean cross-entropy loss on the held-out split. */
        NEG_LOSS
    }

    /**
     * One scored candidate.
     *
     * @param accuracy held-out accuracy in [0, 1]
     * @param flops    the pruned copy's FLOPs as {@link ModelProfiler} counts them
     * @param reward   the reward
     */
    public record Evaluation(double accuracy, long flops, double reward) {
    }

    private final Module model;
    private final Supplier<Module> architecture;
    private final ChannelPruningEnv env;
    private final long[] inputShape;
    private final Dataset trainPart;
    private final DataLoader calibration;
    private final int calibrationBatches;
    private final int calibrationBatchSize;
    private final DataLoader validation;
    private final Reward reward;
    private final int fineTuneSteps;
    private final int fineTuneBatchSize;
    private final double fineTuneLearningRate;
    private final long fineTuneSeed;
    private final boolean reconstruction;

    private CandidateEvaluator(Builder b) {
        this.model = b.model;
        this.architecture = b.architecture;
        this.env = b.env;
        this.inputShape = b.inputShape;
        this.reward = b.reward;
        this.calibrationBatches = b.calibrationBatches;
        this.calibrationBatchSize = b.batchSize;
        this.fineTuneSteps = b.fineTuneSteps;
        this.fineTuneBatchSize = b.fineTuneBatchSize > 0 ? b.fineTuneBatchSize : b.batchSize;
        this.fineTuneLearningRate = b.fineTuneLearningRate;
        this.fineTuneSeed = b.fineTuneSeed;
        this.reconstruction = b.reconstruction;
        Dataset data = b.trainData;
        int n = data.size();
        if (b.validationSize <= 0 || b.validationSize >= n) {
            throw new IllegalArgumentException("validationSize must be in [1, " + (n - 1) + "] for the " + n
                    + " training samples, got " + b.validationSize);
        }
        if (reconstruction) {
            checkRefittable(b.env);
        }
        long trainBatches = (n - b.validationSize + (long) fineTuneBatchSize - 1) / fineTuneBatchSize;
        if (b.fineTuneSteps > trainBatches) {
            throw new IllegalArgumentException("fineTuneSteps " + b.fineTuneSteps + " exceeds the " + trainBatches
                    + " batches of " + fineTuneBatchSize + " in the training part (" + (n - b.validationSize) + " samples)");
        }
        try (PointerScope scope = new PointerScope()) {
            Dataset train = new Dataset(data.name() + "[train part]", data.images().narrow(0, 0, n - b.validationSize),
                    data.labels().narrow(0, 0, n - b.validationSize), data.numClasses());
            Dataset held = new Dataset(data.name() + "[held out]", data.images().narrow(0, n - b.validationSize, b.validationSize),
                    data.labels().narrow(0, n - b.validationSize, b.validationSize), data.numClasses());
            this.trainPart = train;
            this.calibration = DataLoader.builder().setDataset(train).setBatchSize(b.batchSize).build();
            this.validation = DataLoader.builder().setDataset(held).setBatchSize(b.batchSize).build();
        }
    }

    /** A builder: {@code setModel}, {@code setArchitecture}, {@code setEnvironment}, {@code setInputShape}, {@code setTrainData} required. */
    public static Builder builder() {
        return new Builder();
    }

    /** One per prunable layer of the environment. */
    @Override
    public int layerCount() {
        return env.layerCount();
    }

    /** The environment's FLOPs after channel rounding ({@link ChannelPruningEnv#flopsOf}) over the full model's. */
    @Override
    public double flopsRatio(double[] keepRatios) {
        return (double) env.flopsOf(keepRatios) / env.fullFlops();
    }

    /**
     * The channels each of the environment's groups keeps ({@link ChannelPruningEnv#keptChannels}): the pruned copy,
     * its refit and its fine-tune depend on nothing else, so ratios that round to the same channels score the same.
     */
    @Override
    public List<Integer> candidateKey(double[] keepRatios) {
        return Arrays.stream(env.keptChannels(keepRatios)).boxed().toList();
    }

    /** The reward of the pruned copy and its FLOPs share (as {@link #flopsRatio}); see {@link #evaluate}. */
    @Override
    public Score score(double[] keepRatios) {
        return new Score(evaluate(keepRatios).reward(), flopsRatio(keepRatios));
    }

    /**
     * Scalars in the weight of each prunable layer, in the environment's order: the weight counts that
     * {@code SimulatedAnnealing} and {@code NetAdapt} turn keep ratios into an overall sparsity with.
     */
    public long[] weightCounts() {
        java.util.Set<String> prunable = new java.util.HashSet<>(env.prunableLayerNames());
        return env.layers().stream().filter(l -> prunable.contains(l.name())).mapToLong(PrunableLayer::weightCount).toArray();
    }

    /** The environment this evaluator rounds ratios with. */
    public ChannelPruningEnv environment() {
        return env;
    }

    /** Accuracy, FLOPs and reward of {@code keepRatios}: {@link #candidate}, scored, closed. */
    public Evaluation evaluate(double[] keepRatios) {
        return evaluate(keepRatios, fineTuneSeed);
    }

    /**
     * {@link #evaluate(double[])} with the short fine-tune's batches shuffled with {@code fineTuneSeed} instead of the
     * configured seed: the same candidate scored on another draw of the fine-tune, as a search's finalists are
     * ({@code dev.shrink4j.search.scoring.Finalists}). Without a fine-tune the seed changes nothing.
     */
    public Evaluation evaluate(double[] keepRatios, long fineTuneSeed) {
        try (Module copy = candidate(keepRatios, fineTuneSeed)) {
            Evaluation e = evaluateModel(copy);
            LOG.debug("ratios {}: accuracy {} FLOPs {} reward {}", Arrays.toString(keepRatios), e.accuracy(), e.flops(),
                    e.reward());
            return e;
        }
    }

    /** Accuracy on the held-out split, FLOPs and reward of {@code model} as it is (a search's own pruned model). */
    public Evaluation evaluateModel(Module model) {
        dev.shrink4j.workbench.train.Evaluation heldOut = new Evaluator().evaluate(model, validation);
        long flops = ModelProfiler.profile(model, inputShape).totalFlops();
        double acc = 100 * heldOut.accuracy();
        double value = switch (reward) {
            case ACC -> acc * 0.01;
            case ACC_FLOPS -> -(100 - acc) * 0.01 * Math.log(flops);
            case NEG_LOSS -> -heldOut.loss();
        };
        return new Evaluation(heldOut.accuracy(), flops, value);
    }

    /**
     * The training part of the data (everything before the held-out split), shuffled with {@code seed}: what a search
     * that trains (AutoCompress's ADMM) trains on.
     */
    public DataLoader trainingLoader(long seed) {
        return DataLoader.builder().setDataset(trainPart).setBatchSize(calibrationBatchSize).optShuffle(seed).build();
    }

    /**
     * The model a candidate is scored as: {@link #prunedCopy}, then the short fine-tune when one is set
     * ({@link Builder#optFineTune}); the caller closes it.
     *
     * @throws IllegalArgumentException when the ratios do not fit the environment
     * @throws IllegalStateException when the fine-tune's loss is not finite
     */
    public Module candidate(double[] keepRatios) {
        return candidate(keepRatios, fineTuneSeed);
    }

    /** {@link #candidate(double[])} with the fine-tune's batches shuffled with {@code fineTuneSeed}. */
    public Module candidate(double[] keepRatios, long fineTuneSeed) {
        Module copy = prunedCopy(keepRatios);
        try {
            fineTune(copy, keepRatios, fineTuneSeed);
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /** Steps of the short fine-tune per candidate (0: none, AMC's and MetaPruning's scoring). */
    public int fineTuneSteps() {
        return fineTuneSteps;
    }

    /**
     * {@link #fineTuneSteps} Adam steps on the training part, batches of the fine-tune batch size in the order a loader
     * shuffled with {@code seed} gives (the configured fine-tune seed, but for finalists): the same batches for every
     * candidate, so the scores stay comparable and a resumed search scores as an uninterrupted one.
     */
    private void fineTune(Module copy, double[] keepRatios, long seed) {
        if (fineTuneSteps == 0) {
            return;
        }
        DataLoader batches = DataLoader.builder().setDataset(trainPart).setBatchSize(fineTuneBatchSize)
                .optShuffle(seed).build();
        Loss loss = Loss.crossEntropy();
        copy.train();
        // gradients on even when the caller scores under a NoGradGuard
        try (AutoGradMode grad = new AutoGradMode(true);
                Optimizer adam = Adam.builder().setLearningRate(fineTuneLearningRate).build(copy.parameters())) {
            Iterator<Batch> it = batches.iterator();
            for (int step = 0; step < fineTuneSteps && it.hasNext(); step++) {
                // the batch is made inside the step's scope, so its tensors go with it, not to the garbage collector
                try (PointerScope scope = new PointerScope()) {
                    Batch b = it.next();
                    adam.zeroGrad();
                    Tensor value = loss.compute(copy.call(b.x()), b.y());
                    double v = value.item_double();
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException("short fine-tune of candidate " + Arrays.toString(keepRatios)
                                + ": loss " + v + " at step " + (step + 1) + " of " + fineTuneSteps
                                + " (learning rate " + fineTuneLearningRate + ")");
                    }
                    value.backward();
                    adam.step();
                }
            }
        } finally {
            copy.eval();
        }
    }

    /**
     * A shrunk copy of the model for {@code keepRatios}, BatchNorm recalibrated, not fine-tuned; the caller closes it.
     *
     * @throws IllegalArgumentException when the ratios do not fit the environment
     */
    public Module prunedCopy(double[] keepRatios) {
        int[] kept = env.keptChannels(keepRatios);
        Module copy;
        try (PointerScope init = new PointerScope()) {
            // the initialisation's temporaries go with the scope; the copy's parameters are retained by the module
            copy = architecture.get();
        }
        try {
            try (PointerScope scope = new PointerScope()) {
                copy.loadStateDict(model.stateDict(), true);
                if (reconstruction) {
                    reconstruct(copy, kept);
                    recalibrate(copy);
                    return copy;
                }
                DependencyGroups groups = DependencyGroups.trace(copy, torch.zeros(inputShape));
                Map<ChannelGroup, int[]> removed = new LinkedHashMap<>();
                for (int g = 0; g < kept.length; g++) {
                    ChannelGroup group = groupOf(groups, g);
                    if (kept[g] < group.size()) {
                        removed.put(group, env.removedChannels(g, kept[g]));
                    }
                }
                if (!removed.isEmpty()) {
                    ModelSpeedup.apply(groups, ChannelMasks.of(groups, removed));
                }
            }
            recalibrate(copy);
            return copy;
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
    }

    /**
     * AMC's pruning of {@code copy} to {@code kept} channels per group: each group's reading layer keeps the given
     * count (ratio kept / group size, which {@link ChannelPruning} rounds back to the same count), chosen by the L1
     * norm of its weight columns and refitted by least squares on the first calibration batches.
     *
     * @throws IllegalArgumentException when a group cannot be refitted (read first by a depthwise layer, read by
     *     several layers, as ResNet's residual stream), naming it
     */
    private void reconstruct(Module copy, int[] kept) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (int g = 0; g < kept.length; g++) {
            int size = env.groupSizes()[g];
            if (kept[g] < size) {
                PrunableLayer reader = firstReader(g);
                if (reader.depthwise()) {
                    throw new IllegalArgumentException("reconstruction: the channels of " + reader.name()
                            + " are read first by a depthwise convolution, which channel pruning cannot refit");
                }
                ratios.put(reader.name(), (double) kept[g] / size);
            }
        }
        if (ratios.isEmpty()) {
            return;
        }
        List<Tensor> images = new ArrayList<>();
        for (Batch b : calibration) {
            if (images.size() == calibrationBatches) {
                break;
            }
            images.add(b.x());
        }
        ChannelPruning.builder().setModel(copy).setSampleBatches(images).setLayerRatios(ratios)
                .optSelection(ChannelSelection.L1).optLogSummary(false).build().prune();
    }

    /**
     * Reconstruction refits one reading layer per group: a group read by several layers (a residual stream) or first
     * by a depthwise convolution is refused before any candidate is scored.
     */
    private static void checkRefittable(ChannelPruningEnv env) {
        Map<Integer, List<String>> readers = new LinkedHashMap<>();
        for (PrunableLayer l : env.layers()) {
            if (l.inGroup() >= 0) {
                readers.computeIfAbsent(l.inGroup(), g -> new ArrayList<>()).add(l.name() + (l.depthwise() ? " (depthwise)" : ""));
            }
        }
        readers.forEach((g, names) -> {
            if (names.size() > 1 || names.get(0).endsWith("(depthwise)")) {
                throw new IllegalArgumentException("reconstruct: the channels of " + env.groupName(g) + " are read by "
                        + String.join(", ", names) + "; channel pruning refits one ordinary Conv2d or Linear reader per"
                        + " channel group, so this model is scored without reconstruction only");
            }
        });
    }

    /** The first prunable layer reading env group {@code g}. */
    private PrunableLayer firstReader(int g) {
        for (PrunableLayer l : env.layers()) {
            if (l.inGroup() == g) {
                return l;
            }
        }
        throw new IllegalStateException("env group " + g + " has no layer reading it");
    }

    /** The copy's dependency group for env group {@code g}: the input group of the first layer reading it. */
    private ChannelGroup groupOf(DependencyGroups groups, int g) {
        PrunableLayer l = firstReader(g);
        return groups.groupOf(l.name(), l.depthwise() ? ChannelDim.OUT : ChannelDim.IN);
    }

    /** Resets every BatchNorm and sets its statistics to the average over the calibration batches. */
    private void recalibrate(Module copy) {
        List<BatchNorm> norms = new ArrayList<>();
        copy.namedModules().values().forEach(m -> {
            if (m instanceof BatchNorm bn) {
                norms.add(bn);
            }
        });
        if (norms.isEmpty()) {
            return;
        }
        List<Tensor[]> sums = new ArrayList<>();
        for (BatchNorm bn : norms) {
            sums.add(new Tensor[] {torch.zeros(bn.numFeatures()), torch.zeros(bn.numFeatures())});
        }
        copy.eval();
        norms.forEach(bn -> bn.train(true));
        int used = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Iterator<Batch> batches = calibration.iterator();
            while (used < calibrationBatches && batches.hasNext()) {
                try (PointerScope step = new PointerScope()) {
                    Batch b = batches.next();
                    // Start each batch from zero mean / unit variance, so the update isolates this batch's statistics.
                    for (BatchNorm bn : norms) {
                        bn.runningMean().zero_();
                        bn.runningVar().fill_(new Scalar(1.0));
                    }
                    copy.call(b.x());
                    for (int i = 0; i < norms.size(); i++) {
                        BatchNorm bn = norms.get(i);
                        double m = bn.momentum();
                        // running = (1 − m)·init + m·batch, with init 0 for the mean and 1 for the variance.
                        sums.get(i)[0].add_(bn.runningMean().div(new Scalar(m)));
                        sums.get(i)[1].add_(bn.runningVar().sub(new Scalar(1 - m)).div(new Scalar(m)));
                    }
                }
                used++;
            }
            try (PointerScope scope = new PointerScope()) {
                for (int i = 0; i < norms.size(); i++) {
                    BatchNorm bn = norms.get(i);
                    bn.runningMean().copy_(sums.get(i)[0].div(new Scalar(Math.max(used, 1))));
                    bn.runningVar().copy_(sums.get(i)[1].div(new Scalar(Math.max(used, 1))));
                }
            }
        } finally {
            sums.forEach(pair -> Arrays.stream(pair).forEach(Tensor::close));
            copy.eval();
        }
    }

    /** Builder for {@link CandidateEvaluator}: {@code set…} required, {@code opt…} optional. */
    public static final class Builder {
        private Module model;
        private Supplier<Module> architecture;
        private ChannelPruningEnv env;
        private long[] inputShape;
        private Dataset trainData;
        private int validationSize = 1000;
        private int calibrationBatches = 10;
        private int batchSize = 100;
        private Reward reward = Reward.ACC;
        private int fineTuneSteps;
        private int fineTuneBatchSize;
        private double fineTuneLearningRate = 1e-3;
        private long fineTuneSeed;
        private boolean reconstruction;

        private Builder() {
        }

        /** The trained model (read, never changed). */
        public Builder setModel(Module model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Makes a fresh, untrained model of the same architecture (the copies). */
        public Builder setArchitecture(Supplier<Module> architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
            return this;
        }

        /** The environment whose rounding and groups map ratios to channels. */
        public Builder setEnvironment(ChannelPruningEnv env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        /** The input shape with a batch of 1 (tracing and FLOPs). */
        public Builder setInputShape(long... inputShape) {
            this.inputShape = inputShape.clone();
            return this;
        }

        /** The training set: its last {@code validationSize} samples are held out for scoring. */
        public Builder setTrainData(Dataset trainData) {
            this.trainData = Objects.requireNonNull(trainData, "trainData");
            return this;
        }

        /** Held-out samples (default 1000). */
        public Builder optValidationSize(int validationSize) {
            this.validationSize = validationSize;
            return this;
        }

        /** Batches of the training part for BatchNorm recalibration (default 10). */
        public Builder optCalibrationBatches(int calibrationBatches) {
            if (calibrationBatches < 1) {
                throw new IllegalArgumentException("calibrationBatches must be at least 1, got " + calibrationBatches);
            }
            this.calibrationBatches = calibrationBatches;
            return this;
        }

        /** Batch size of calibration and scoring (default 100). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** The reward (default {@link Reward#ACC}). */
        public Builder optReward(Reward reward) {
            this.reward = Objects.requireNonNull(reward, "reward");
            return this;
        }

        /**
         * A short fine-tune of every candidate before it is scored (default none): {@code steps} Adam steps at
         * {@code learningRate} on batches of the training part shuffled with {@code seed}.
         *
         * @throws IllegalArgumentException for negative steps or a learning rate that is not positive and finite
         */
        public Builder optFineTune(int steps, double learningRate, long seed) {
            if (steps < 0) {
                throw new IllegalArgumentException("fineTuneSteps must be at least 0, got " + steps);
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("fineTuneLearningRate must be positive and finite, got " + learningRate);
            }
            this.fineTuneSteps = steps;
            this.fineTuneLearningRate = learningRate;
            this.fineTuneSeed = seed;
            return this;
        }

        /**
         * Batch size of the short fine-tune (default: the calibration and scoring batch size, 100). The command line's
         * fine-tune ({@code prune --epochs}) takes batches of 64: one pass of the training part at 64 scores a
         * candidate the way it will be trained.
         *
         * @throws IllegalArgumentException for a size below 1
         */
        public Builder optFineTuneBatchSize(int fineTuneBatchSize) {
            if (fineTuneBatchSize < 1) {
                throw new IllegalArgumentException("fineTuneBatchSize must be at least 1, got " + fineTuneBatchSize);
            }
            this.fineTuneBatchSize = fineTuneBatchSize;
            return this;
        }

        /**
         * Prune as mit-han-lab/amc's environment does (default off: filters of least L1 norm removed, no refit): the
         * reading layer of each group keeps its input channels of largest weight-column L1 norm and is refitted by
         * least squares to the trained model's outputs on the calibration images ({@link ChannelPruning},
         * {@link ChannelSelection#L1}). Models whose groups have several readers (residual streams) are refused when
         * a candidate is pruned.
         */
        public Builder optReconstruction(boolean reconstruction) {
            this.reconstruction = reconstruction;
            return this;
        }

        /**
         * Builds the evaluator.
         *
         * @throws IllegalArgumentException naming a missing setting or a validation size that leaves no training part
         */
        public CandidateEvaluator build() {
            if (model == null || architecture == null || env == null || inputShape == null || trainData == null) {
                throw new IllegalArgumentException("CandidateEvaluator needs setModel, setArchitecture, setEnvironment,"
                        + " setInputShape and setTrainData");
            }
            return new CandidateEvaluator(this);
        }
    }
}
