package dev.shrink4j.quant.algo;

import dev.shrink4j.collect.observe.MinMaxObserver;
import dev.shrink4j.collect.observe.RangeObserver;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.protocol.DataDriven;
import dev.shrink4j.compress.protocol.StatisticsPass;
import dev.shrink4j.nn.Module;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Post-training quantization with min/max observers (NNI's {@code ObserverQuantizer}): no training,
 * two phases.
 * <ol>
 *   <li><b>Calibration</b> (after {@link #compress()}): every forward leaves the model's values
 *       unchanged and folds the range of each quantized input and output into running minima and
 *       maxima ({@link MinMaxObserver}, buffers {@code tracked_min_<type>}/{@code tracked_max_<type>}),
 *       over the whole tensor or per channel (dimension 1) as {@code quant_scheme} says. Run it in
 *       evaluation mode, so batch norm and dropout behave as at inference.</li>
 *   <li><b>{@link #fix()}</b>: computes scale and zero point once ({@link QParams#fromRange}) from the
 *       tracked ranges and, for weights, from the weight's own range (per channel on dimension 0),
 *       into {@code <type>_scale}/{@code <type>_zero_point}. From then on forward fake-quantizes
 *       with these fixed values (gradient straight through inside the range, zero outside) and
 *       observes nothing.</li>
 * </ol>
 * {@link #calibrate(Iterable)} runs both for a set of batches. A hand-written loop is the same:
 * <pre>{@code
 * quantizer.compress();
 * model.eval();
 * try (NoGradGuard g = new NoGradGuard()) {
 *     for (Tensor x : batches) { try (PointerScope s = new PointerScope()) { model.call(x); } }
 * }
 * quantizer.fix();
 * }</pre>
 *
 * <p><b>Config</b>: {@code quant_types} (any of {@code weight}, {@code input}, {@code output}),
 * {@code quant_bits} (8 for NNI's behaviour; any width 1–31 is accepted), {@code quant_scheme} and
 * {@code quant_dtype} (defaults {@code per_tensor_affine}, {@code uint}). NNI hard-codes int8
 * symmetric weights and reduced-range uint8 outputs; here the config chooses.
 */
public final class ObserverQuantizer extends ObservingQuantizer implements DataDriven {

    private static final Logger LOG = LoggerFactory.getLogger(ObserverQuantizer.class);

    /** The default number of calibration batches: the observer has no other source of activation ranges. */
    public static final int DEFAULT_CALIBRATION_BATCHES = 10;

    private boolean fixed;
    /** Layers whose calibration was restored by {@link #loadCalibrationConfig}. */
    private final Set<String> restored = new HashSet<>();

    /** A quantizer whose per-channel activations are on Conv2d or Linear layers (or per tensor). */
    public ObserverQuantizer(Module model, ConfigList configList) {
        this(model, configList, null);
    }

    /**
     * @param dummyInput an input traced once at {@code compress()} for the activation shapes that
     *                   per-channel input/output ranges need on layers other than Conv2d and Linear;
     *                   null when not needed (the caller keeps ownership)
     */
    public ObserverQuantizer(Module model, ConfigList configList, Tensor dummyInput) {
        this(builder().setModel(model).setConfigList(configList).optDummyInput(dummyInput));
    }

    private ObserverQuantizer(Builder b) {
        super(b, MinMaxObserver::new);
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optDummyInput} optional. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builder for {@link ObserverQuantizer}: {@code set…} required, {@code opt…} optional. It takes no
     * optimizer: calibration trains nothing, so {@code optOptimizer} with an optimizer is an error.
     */
    public static final class Builder extends ObservingQuantizer.Builder<ObserverQuantizer, Builder> {

        private Builder() {
            super("ObserverQuantizer", ObserverQuantizer::new);
        }

        /** The required fields, and no optimizer. */
        @Override
        protected void check() {
            super.check();
            if (optimizer() != null) {
                throw new IllegalArgumentException("ObserverQuantizer: calibrates without training and takes no"
                        + " optimizer; do not call optOptimizer(...)");
            }
        }
    }

    /**
     * Runs every batch through the model in evaluation mode without gradient (one
     * {@link PointerScope} per batch), then {@link #fix()}es the qparams. The model's training flags
     * are restored afterwards.
     *
     * @return the number of batches observed
     * @throws IllegalStateException before {@link #compress()} or after {@link #fix()}
     */
    public int calibrate(Iterable<Tensor> batches) {
        Objects.requireNonNull(batches, "batches");
        requireCalibrating();
        Map<Module, Boolean> flags = new LinkedHashMap<>();
        model().namedModules().values().forEach(m -> flags.put(m, m.isTraining()));
        int n = 0;
        try (NoGradGuard g = new NoGradGuard()) {
            model().eval();
            for (Tensor x : batches) {
                try (PointerScope step = new PointerScope()) {
                    model().call(x);
                }
                n++;
            }
        } finally {
            flags.forEach((m, training) -> m.train(training));
        }
        fix();
        LOG.info("{} calibrated on {} batch(es)", getClass().getSimpleName(), n);
        return n;
    }

    /** {@value #DEFAULT_CALIBRATION_BATCHES} calibration batches (a training loop may run another number). */
    @Override
    public int statisticsBatches() {
        return DEFAULT_CALIBRATION_BATCHES;
    }

    /** Forward passes in evaluation mode: the observers only watch. */
    @Override
    public StatisticsPass statisticsPass() {
        return StatisticsPass.FORWARD_EVAL;
    }

    /** {@link #fix()}: the ranges observed become fixed scales. */
    @Override
    public void finishStatistics() {
        fix();
    }

    /**
     * Ends calibration: computes each layer's weight qparams from its weight and each activation's
     * from its tracked range, and makes forward fake-quantize with them.
     *
     * @throws IllegalStateException naming the layer when an activation was never observed, or when
     *                               already fixed
     */
    public void fix() {
        requireCalibrating();
        for (ModuleWrapper w : getModulesWrapper()) {
            for (Map.Entry<QuantType, RangeObserver> e : observers(w).byType().entrySet()) {
                if (!e.getValue().hasObserved()) {
                    throw new IllegalStateException(w.name() + ": no " + e.getKey().key()
                            + " was observed; run calibration batches through the model before fix()");
                }
            }
        }
        try (PointerScope scope = new PointerScope()) {
            for (ModuleWrapper w : getModulesWrapper()) {
                if (QuantConfig.types(w.config()).contains(QuantType.WEIGHT)) {
                    storeWeightQParams(w, w.weight());
                }
                for (QuantType type : observers(w).byType().keySet()) {
                    storeActivationQParams(w, type);
                }
            }
        }
        fixed = true;
    }

    /**
     * A restored layer's activation qparams are computed from its restored ranges exactly as
     * {@link #fix()} computes them ({@link ObservingQuantizer#restoreCalibration}); when every quantized
     * layer has been restored the quantizer is fixed: a model re-created from {@link #exportModel}
     * output computes as the calibrated one did. A config that leaves out layers leaves the quantizer
     * calibrating (those layers have no ranges yet).
     */
    @Override
    void restored(ModuleWrapper wrapper) {
        restored.add(wrapper.name());
        if (!fixed && restored.size() == getModulesWrapper().size()) {
            fixed = true;
            LOG.info("{} fixed from a calibration config", getClass().getSimpleName());
        }
    }

    /** Whether {@link #fix()} has run: forward is fake-quantized and observes nothing. */
    public boolean isFixed() {
        return fixed;
    }

    private void requireCalibrating() {
        if (!isCompressed()) {
            throw new IllegalStateException("ObserverQuantizer: call compress() before calibrating");
        }
        if (fixed) {
            throw new IllegalStateException("ObserverQuantizer: the qparams are already fixed");
        }
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        return fixed ? QuantBuffers.stored(wrapper, QuantType.WEIGHT).fakeQuantizeClipped(weight) : weight;
    }

    /** Calibrating: observes {@code x} and passes it on; fixed: fake-quantizes it with the fixed qparams. */
    @Override
    protected Tensor quantizeActivation(Tensor x, ModuleWrapper w, QuantType type) {
        if (fixed) {
            return QuantBuffers.stored(w, type).fakeQuantizeClipped(x);
        }
        observers(w).of(type).observe(x);
        return x;
    }
}
