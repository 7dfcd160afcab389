package dev.shrink4j.quant.algo;

import dev.shrink4j.collect.observe.EmaObserver;
import dev.shrink4j.collect.observe.RangeObserver;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.graph.GraphEdge;
import dev.shrink4j.graph.GraphNode;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Quantization-aware training with NNI 2.x's {@code QAT_Quantizer} semantics (Jacob et al., 2018):
 * forward computes with fake-quantized weights, inputs and outputs; backward passes gradients
 * straight through inside the quantization range and zeroes them outside it (NNI's {@code QATGrad},
 * {@link QParams#fakeQuantizeClipped}).
 *
 * <p><b>Config</b> (per entry): {@code quant_types} (any of {@code weight}, {@code input},
 * {@code output}), {@code quant_bits} (one number or per type), {@code quant_scheme}
 * ({@code per_tensor_affine} default, {@code per_tensor_symmetric}, {@code per_channel_affine},
 * {@code per_channel_symmetric}), {@code quant_dtype} ({@code uint} default, {@code int}),
 * {@code quant_start_step} (default 0; needs an optimizer when positive). Scale and zero point follow
 * {@link QParams} exactly (uint {@code [0, 2^b−1]}, int {@code [−2^(b−1)+1, 2^(b−1)−1]}; per channel on
 * dimension 0 for weights and dimension 1 for activations).
 *
 * <p><b>Weights</b>: once {@code quant_start_step} optimizer steps have been taken, every forward
 * (training or evaluation) computes scale and zero point from the current weight's range, stores
 * them in {@code weight_scale}/{@code weight_zero_point} and fake-quantizes the weight. Before that
 * the weight is used as it is.
 *
 * <p><b>Activations</b>: in training mode, every forward folds the batch's range into exponential
 * moving averages {@code tracked_min_<type>}/{@code tracked_max_<type>} ({@link EmaObserver}, decay
 * 0.99 unless {@link Builder#optEmaDecay}); the first batch initialises them (from the first forward,
 * whatever {@code quant_start_step} is). Once quantization has started, training forwards compute
 * scale and zero point from the tracked range, store them in {@code <type>_scale}/{@code
 * <type>_zero_point} and fake-quantize; evaluation forwards use the stored ones and track nothing.
 *
 * <p><b>Steps.</b> {@code quant_start_step = k} quantizes from the forward after the k-th optimizer
 * step ({@link #steps()} {@code ≥ k}); NNI counts from 1 and starts one step earlier.
 *
 * <p><b>Batch-norm folding</b> ({@link Builder#optFoldBatchNorm} with a dummy input, or explicit
 * {@link Builder#optFoldPair} pairs): for a wrapped {@link Conv2d} with {@code weight} in its
 * {@code quant_types} followed by a {@link BatchNorm}, NNI's {@code fold_bn}: before the convolution,
 * in training mode, the batch norm's running statistics are updated from the unfolded convolution
 * of the (quantized) input, without gradient; the convolution then computes with the folded
 * weight {@code W·γ/σ} (fake-quantized) and adds the folded bias {@code β + (b − μ)·γ/σ}, where
 * {@code σ = sqrt(running_var + eps)}; the batch norm passes its input through (it runs in
 * evaluation mode for that call so its statistics are updated once). Unlike NNI, gradients reach
 * γ and β through both folded terms. With quantization off (or at high bit widths) the folded
 * layer equals convolution followed by batch norm in evaluation mode.
 *
 * <p><b>Exports of folded layers.</b> {@link #exportModel} writes the model as it is stored: the
 * unfolded {@code W}, {@code b} and the batch norm's own parameters and statistics, which a fresh model
 * compressed with the same fold pairs and given the calibration folds again (the calibration's
 * {@code weight_scale} is that of the folded weight). {@link #exportFakeQuant} and {@link #exportInt8}
 * write what the quantized forward computes, as a plain model computes it: the convolution's weight is
 * the fake-quantized folded weight {@code fq(W·γ/σ)} (its integers in the int8 file), its bias the
 * folded bias {@code β + (b − μ)·γ/σ}, and the batch norm an identity ({@code running_mean = 0},
 * {@code running_var = 1 − eps}, so that {@code sqrt(running_var + eps) = 1}, {@code γ = 1},
 * {@code β = 0}). A convolution without bias cannot hold the folded bias; its batch norm's {@code β}
 * holds it instead (or, without affine parameters, {@code running_mean = −bias}). So the batch norm is
 * applied once, in the convolution.
 *
 * <p><b>Restoring a calibration</b> ({@link #loadCalibrationConfig}): each restored layer's input/output
 * scale and zero point are computed from its restored {@code tracked_min/max_<type>} as a training
 * forward computes them, so evaluation of a re-created model uses the ranges training ended with (the
 * stored activation qparams themselves are not part of the calibration config).
 *
 * <p><b>Loop</b>: {@code compress()}, then train as usual with the optimizer given here (it counts
 * steps); switch to {@code eval()} to evaluate with the stored activation qparams.
 */
public final class QatQuantizer extends ObservingQuantizer {

    private final boolean foldBatchNorm;
    private final Map<String, String> explicitPairs;
    private Map<String, String> tracedPairs;
    private final Map<String, BatchNorm> folds = new LinkedHashMap<>();

    /**
     * A quantizer without batch-norm folding or dummy input.
     *
     * @param optimizer the training optimizer (counts steps for {@code quant_start_step}), or null
     */
    public QatQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
        this(builder().setModel(model).setConfigList(configList).optOptimizer(optimizer));
    }

    private QatQuantizer(Builder b) {
        super(b, (min, max, dim) -> new EmaObserver(min, max, dim, b.emaDecay));
        this.foldBatchNorm = b.foldBatchNorm;
        this.explicitPairs = new LinkedHashMap<>(b.pairs);
    }

    /** A builder: {@code setModel}, {@code setConfigList} required; the rest optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** Adds: the batch-norm fold of the layer, when it has one. */
    @Override
    protected void initialize(ModuleWrapper w) {
        super.initialize(w);
        String bnName = foldTarget(w.name());
        if (bnName != null) {
            initializeFold(w, bnName);
        }
    }

    private String foldTarget(String conv) {
        if (explicitPairs.containsKey(conv)) {
            return explicitPairs.get(conv);
        }
        if (!foldBatchNorm) {
            return null;
        }
        if (tracedPairs == null) {
            tracedPairs = convBnPairs(graph());
        }
        return tracedPairs.get(conv);
    }

    /**
     * The {@code Conv2d → BatchNorm} pairs of {@code graph}: each convolution (by name) whose output a batch norm
     * reads directly, with the first such batch norm's name (in call order).
     */
    static Map<String, String> convBnPairs(ModelGraph graph) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (GraphNode n : graph.moduleNodes()) {
            if (n.module() instanceof BatchNorm) {
                for (GraphEdge e : graph.inputsOf(n)) {
                    if (e.source().module() instanceof Conv2d) {
                        pairs.putIfAbsent(e.source().moduleName(), n.moduleName());
                    }
                }
            }
        }
        return pairs;
    }

    private void initializeFold(ModuleWrapper w, String bnName) {
        if (!(w.module() instanceof Conv2d)) {
            throw new IllegalArgumentException("batch-norm folding: " + w.name() + " is a " + w.type()
                    + ", expected Conv2d");
        }
        if (!QuantConfig.types(w.config()).contains(QuantType.WEIGHT)) {
            throw new IllegalArgumentException("batch-norm folding: " + w.name() + " must have \"weight\" in "
                    + "quant_types (config_list[" + w.config().index() + "]) to fold " + bnName);
        }
        Module bnModule = model().getSubmodule(bnName);
        if (!(bnModule instanceof BatchNorm bn)) {
            throw new IllegalArgumentException("batch-norm folding: " + bnName + " is a " + bnModule.typeName()
                    + ", expected a BatchNorm");
        }
        Conv2d conv = (Conv2d) w.module();
        if (bn.numFeatures() != conv.outChannels()) {
            throw new IllegalArgumentException("batch-norm folding: " + bnName + " has " + bn.numFeatures()
                    + " features but " + w.name() + " has " + conv.outChannels() + " output channels");
        }
        folds.put(w.name(), bn);
        // registered before the base's output hook, so output quantization sees the folded output
        w.track(conv.registerForwardHook((m, x, y) -> y.add(foldedBiasCorrection(conv, bn).view(1, -1, 1, 1))));
    }

    /** Installs the statistics update after the base's input pre-hook, and the batch norm's pass-through. */
    @Override
    protected void afterWrap() {
        for (String conv : explicitPairs.keySet()) {
            if (!folds.containsKey(conv)) {
                throw new IllegalArgumentException("batch-norm folding: " + conv + " is not a wrapped layer; wrapped: "
                        + getModulesWrapper().stream().map(ModuleWrapper::name).toList());
            }
        }
        for (Map.Entry<String, BatchNorm> e : folds.entrySet()) {
            ModuleWrapper w = getWrapper(e.getKey());
            Conv2d conv = (Conv2d) w.module();
            BatchNorm bn = e.getValue();
            w.track(conv.registerForwardPreHook((m, x) -> {
                updateBatchNormStatistics(conv, bn, x);
                return x;
            }));
            boolean[] wasTraining = new boolean[1];
            w.track(bn.registerForwardPreHook((m, x) -> {
                wasTraining[0] = bn.isTraining();
                bn.train(false);
                return x;
            }));
            w.track(bn.registerForwardHook((m, x, y) -> {
                bn.train(wasTraining[0]);
                return x;
            }));
        }
    }

    /** NNI's {@code fold_bn} first half: the batch norm sees this batch's unfolded convolution. */
    private static void updateBatchNormStatistics(Conv2d conv, BatchNorm bn, Tensor x) {
        if (!bn.isTraining()) {
            return;
        }
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor raw = Conv2d.conv2d(x.detach(), conv.weight().detach(),
                    conv.bias() == null ? null : conv.bias().detach(), conv.stride(), conv.padding(),
                    conv.dilation(), conv.groups());
            bn.numBatchesTracked().add_(new Scalar(1L));
            torch.batch_norm(raw, optional(bn.affine() ? bn.weight().detach() : null),
                    optional(bn.affine() ? bn.bias().detach() : null), new TensorOptional(bn.runningMean()),
                    new TensorOptional(bn.runningVar()), true, bn.momentum(), bn.eps(), false);
        }
    }

    private static TensorOptional optional(Tensor t) {
        return t == null ? new TensorOptional() : new TensorOptional(t);
    }

    /** γ / sqrt(running_var + eps), per output channel (with gradient to γ). */
    private static Tensor foldFactor(BatchNorm bn) {
        Tensor sigma = bn.runningVar().add(new Scalar(bn.eps())).sqrt();
        return bn.affine() ? bn.parametrized("weight").div(sigma) : sigma.reciprocal();
    }

    /** {@code β + (b − μ)·γ/σ − b}: what turns the convolution's own bias into the folded one. */
    private static Tensor foldedBiasCorrection(Conv2d conv, BatchNorm bn) {
        Tensor b = conv.bias() == null ? torch.zeros_like(bn.runningMean()) : conv.parametrized("bias");
        Tensor folded = b.sub(bn.runningMean()).mul(foldFactor(bn));
        if (bn.affine()) {
            folded = folded.add(bn.parametrized("bias"));
        }
        return folded.sub(b);
    }

    /**
     * Folded layers: the convolution gets the folded bias and the batch norm becomes an identity (see
     * "Exports of folded layers" in the class documentation); the folded weight is already in place.
     */
    @Override
    protected void completeForwardStateDict(Map<String, Tensor> stateDict) {
        Map<String, String> pairs = foldedPairs();
        for (Map.Entry<String, BatchNorm> e : folds.entrySet()) {
            String convName = e.getKey();
            String bnName = pairs.get(convName);
            BatchNorm bn = e.getValue();
            Conv2d conv = (Conv2d) getWrapper(convName).module();
            Tensor b = conv.bias() == null ? torch.zeros_like(bn.runningMean()) : conv.parametrized("bias").detach();
            Tensor foldedBias = b.sub(bn.runningMean()).mul(foldFactor(bn).detach());
            if (bn.affine()) {
                foldedBias = foldedBias.add(bn.parametrized("bias").detach());
            }
            Tensor zeros = torch.zeros_like(bn.runningMean());
            Tensor mean = zeros;
            Tensor beta = zeros;
            if (conv.bias() != null) {
                stateDict.put(convName + ".bias", foldedBias);
            } else if (bn.affine()) {
                beta = foldedBias;
            } else {
                mean = foldedBias.neg();
            }
            stateDict.put(bnName + ".running_mean", mean);
            stateDict.put(bnName + ".running_var", torch.full_like(bn.runningVar(), new Scalar(1.0 - bn.eps())));
            if (bn.affine()) {
                stateDict.put(bnName + ".weight", torch.ones_like(bn.weight()));
                stateDict.put(bnName + ".bias", beta);
            }
        }
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        BatchNorm bn = folds.get(wrapper.name());
        Tensor w = bn == null ? weight : weight.mul(foldFactor(bn).view(-1, 1, 1, 1));
        if (!quantizationStarted(wrapper)) {
            return w;
        }
        return storeWeightQParams(wrapper, w).fakeQuantizeClipped(w);
    }

    /** See "Activations" in the class documentation. */
    @Override
    protected Tensor quantizeActivation(Tensor x, ModuleWrapper w, QuantType type) {
        RangeObserver observer = observers(w).of(type);
        boolean training = w.module().isTraining();
        if (training) {
            observer.observe(x);
        }
        if (!quantizationStarted(w)) {
            return x;
        }
        QParams qp;
        if (training || !QuantBuffers.hasStoredScale(w, type)) {
            if (!observer.hasObserved() && !training) {
                throw new IllegalStateException(w.name() + ": the " + type.key() + " range has never been tracked; "
                        + "run training-mode forwards (or load " + QuantBuffers.scale(type) + ") before evaluating");
            }
            qp = storeActivationQParams(w, type);
        } else {
            qp = QuantBuffers.stored(w, type);
        }
        return qp.fakeQuantizeClipped(x);
    }

    /** The conv → batch-norm pairs being folded, by layer name (after {@link #compress()}). */
    public Map<String, String> foldedPairs() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, BatchNorm> e : folds.entrySet()) {
            model().namedModules().forEach((name, m) -> {
                if (m == e.getValue()) {
                    out.put(e.getKey(), name);
                }
            });
        }
        return out;
    }

    /** Builds a {@link QatQuantizer}; {@code set…} required, {@code opt…} optional (DJL style). */
    public static final class Builder extends ObservingQuantizer.Builder<QatQuantizer, Builder> {
        private boolean foldBatchNorm;
        private final Map<String, String> pairs = new LinkedHashMap<>();
        private double emaDecay = EmaObserver.DEFAULT_DECAY;

        private Builder() {
            super("QatQuantizer", QatQuantizer::new);
        }

        /** Folds every traced Conv2d → BatchNorm pair whose conv is wrapped (needs {@link #optDummyInput}). */
        public Builder optFoldBatchNorm(boolean fold) {
            this.foldBatchNorm = fold;
            return this;
        }

        /** Folds batch norm {@code bn} into the wrapped Conv2d {@code conv} (dotted layer names). */
        public Builder optFoldPair(String conv, String bn) {
            pairs.put(Objects.requireNonNull(conv, "conv"), Objects.requireNonNull(bn, "bn"));
            return this;
        }

        /** The EMA decay of the tracked activation ranges, in [0, 1); default 0.99 (NNI). */
        public Builder optEmaDecay(double decay) {
            if (!(decay >= 0 && decay < 1)) {
                throw new IllegalArgumentException("QatQuantizer: ema_decay (the EMA decay of activation ranges) " + decay
                        + " is outside [0, 1)");
            }
            this.emaDecay = decay;
            return this;
        }

        /** The required fields, then batch-norm folding's need of a dummy input. */
        @Override
        protected void check() {
            super.check();
            if (foldBatchNorm && dummyInput == null) {
                throw new IllegalArgumentException("optFoldBatchNorm(true) finds conv→bn pairs by tracing; give "
                        + "optDummyInput or name the pairs with optFoldPair");
            }
        }
    }
}
