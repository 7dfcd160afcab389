package dev.shrink4j.quant.algo;

import com.google.gson.JsonObject;
import dev.shrink4j.collect.observe.RangeObserver;
import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.StateKey;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.export.CalibrationRestore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Base of the quantizers that track activation ranges with observers: {@link ObserverQuantizer}
 * (running min/max, then fixed) and {@link QatQuantizer} (exponential moving averages during training).
 * They differ in the observer kind and in when they quantize; what they share lives here, once:
 * <ul>
 *   <li>the optional dummy input ({@link Builder#optDummyInput}), traced once into a {@link ModelGraph}
 *       before the first layer gets hooks, for activation shapes (the edges' shapes);</li>
 *   <li>the layer checks: bit widths {@link QParams} can hold and known per-channel activation shapes;</li>
 *   <li>the buffers of each layer ({@link QuantBuffers#registerObserved}) and the observer of each
 *       quantized activation, kept as the layer's typed state ({@link LayerObservers});</li>
 *   <li>scale and zero point from a weight or a tracked range into the {@code <type>_scale} and
 *       {@code <type>_zero_point} buffers;</li>
 *   <li>restoring a calibration config: once applied, each restored layer's activation qparams are
 *       computed from its restored {@code tracked_min/max_<type>}, as the algorithm computes them.</li>
 * </ul>
 */
public abstract sealed class ObservingQuantizer extends Quantizer permits ObserverQuantizer, QatQuantizer {

    /** The layer's observers: typed state, so that no reader casts (see {@link StateKey}). */
    private static final StateKey<LayerObservers> OBSERVERS = StateKey.of("activation_observers", LayerObservers.class);

    private final Tensor dummyInput;
    private final QuantBuffers.ObserverFactory<RangeObserver> observerFactory;
    private ModelGraph graph;

    /**
     * @param observerFactory the observer of one activation over its tracked-range buffers
     */
    ObservingQuantizer(Builder<?, ?> builder, QuantBuffers.ObserverFactory<RangeObserver> observerFactory) {
        super(builder);
        this.dummyInput = builder.dummyInput;
        this.observerFactory = Objects.requireNonNull(observerFactory, "observerFactory");
    }

    /** Adds: widths QParams' grid holds ({@link QuantBuffers#bitErrors}), known per-channel activation shapes. */
    @Override
    protected final List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        errors.addAll(QuantBuffers.bitErrors(config));
        errors.addAll(QuantBuffers.shapeErrors(layer, config, dummyInput != null));
        return errors;
    }

    /**
     * Traces the dummy input at the first layer, then registers the layer's buffers and observers.
     * Overrides call {@code super.initialize(w)} first.
     */
    @Override
    protected void initialize(ModuleWrapper w) {
        if (graph == null && dummyInput != null) {
            // before any layer of this quantizer has hooks: the trace sees the float model
            graph = traceDummyInput();
        }
        w.putState(OBSERVERS, new LayerObservers(QuantBuffers.registerObserved(w, graph, observerFactory)));
    }

    private ModelGraph traceDummyInput() {
        try (PointerScope scope = new PointerScope()) {
            return ModelGraph.trace(model(), dummyInput);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the dummy input traces "
                    + model().typeName() + " for activation shapes: " + e.getMessage(), e);
        }
    }

    /** The graph the dummy input traced, or null without one (or before the first layer is wrapped). */
    final ModelGraph graph() {
        return graph;
    }

    /** The observers of layer {@code w}'s quantized activations. */
    static LayerObservers observers(ModuleWrapper w) {
        return w.state(OBSERVERS);
    }

    /** Computes the qparams of {@code weight} as layer {@code w}'s config says and stores them in its weight buffers. */
    static QParams storeWeightQParams(ModuleWrapper w, Tensor weight) {
        LayerConfig c = w.config();
        QParams qp = QParams.fromTensor(weight, QuantType.WEIGHT, QuantConfig.bits(c, QuantType.WEIGHT), QuantConfig.dtype(c),
                QuantConfig.scheme(c));
        qp.copyTo(w.getBuffer(QuantBuffers.scale(QuantType.WEIGHT)), w.getBuffer(QuantBuffers.zeroPoint(QuantType.WEIGHT)));
        return qp;
    }

    /** Computes the qparams of layer {@code w}'s {@code type} activation from its tracked range and stores them. */
    static QParams storeActivationQParams(ModuleWrapper w, QuantType type) {
        LayerConfig c = w.config();
        RangeObserver observer = observers(w).of(type);
        QParams qp = QParams.fromRange(observer.min(), observer.max(), QuantConfig.bits(c, type), QuantConfig.dtype(c),
                QuantConfig.scheme(c));
        qp.copyTo(w.getBuffer(QuantBuffers.scale(type)), w.getBuffer(QuantBuffers.zeroPoint(type)));
        return qp;
    }

    /**
     * Restores the buffers as by default ({@code weight_scale}, {@code weight_zero_point},
     * {@code tracked_min/max_<type>}); once the whole config is applied, the layer's activation qparams
     * are computed from its restored ranges ({@link #storeActivationQParams}), then {@link #restored}
     * runs.
     */
    @Override
    protected final void restoreCalibration(ModuleWrapper wrapper, JsonObject values, CalibrationRestore restore) {
        super.restoreCalibration(wrapper, values, restore);
        restore.onApply(() -> {
            try (PointerScope scope = new PointerScope()) {
                for (QuantType type : observers(wrapper).byType().keySet()) {
                    storeActivationQParams(wrapper, type);
                }
            }
            restored(wrapper);
        });
    }

    /** Called for each layer whose calibration was restored, after its qparams are in place. Default: nothing. */
    void restored(ModuleWrapper wrapper) {
    }

    /**
     * Options shared by the builders of the observing quantizers: {@code set…} required, {@code opt…}
     * optional; each concrete builder names its quantizer and the constructor {@link #build()} calls.
     *
     * @param <Q> the quantizer built
     * @param <B> the concrete builder
     */
    public abstract static sealed class Builder<Q extends ObservingQuantizer, B extends Builder<Q, B>>
            extends CompressorBuilder<B> permits ObserverQuantizer.Builder, QatQuantizer.Builder {
        private final Function<B, Q> constructor;
        Tensor dummyInput;

        /**
         * @param quantizer   the quantizer's simple class name, for error messages
         * @param constructor builds the quantizer from this builder (its constructor runs {@link #check()})
         */
        Builder(String quantizer, Function<B, Q> constructor) {
            super(quantizer);
            this.constructor = constructor;
        }

        /**
         * An input traced once at {@code compress()} ({@link ModelGraph#trace}: evaluation mode, every module's
         * mode restored; a model that computes outside its modules is refused) for the activation
         * shapes that per-channel input/output ranges need on layers other than Conv2d and Linear
         * ({@link QatQuantizer} also finds its conv → batch-norm pairs in it). The caller keeps ownership.
         */
        public B optDummyInput(Tensor dummyInput) {
            this.dummyInput = dummyInput;
            return self();
        }

        /**
         * The quantizer (call {@code compress()} on it).
         *
         * @throws IllegalArgumentException naming the first missing or invalid field
         */
        public Q build() {
            return constructor.apply(self());
        }
    }
}
