package dev.shrink4j.quant.algo;

import dev.shrink4j.collect.observe.RangeObserver;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.graph.GraphNode;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantDtype;
import dev.shrink4j.quant.config.QuantScheme;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The per-layer buffers the QAT and observer quantizers keep, named as NNI names them (and as
 * {@link CalibrationKeys} exports them): {@code weight_scale}, {@code weight_zero_point};
 * {@code tracked_min_input}, {@code tracked_max_input}, {@code input_scale}, {@code input_zero_point};
 * the same four for {@code output}. Shapes follow {@link QParams#shape}: 0-dimensional per tensor,
 * broadcastable per channel.
 */
final class QuantBuffers {

    private QuantBuffers() {
    }

    /** {@code weight_scale}, {@code input_scale} or {@code output_scale}. */
    static String scale(QuantType type) {
        return type.key() + "_scale";
    }

    /** {@code weight_zero_point}, {@code input_zero_point} or {@code output_zero_point}. */
    static String zeroPoint(QuantType type) {
        return type.key() + "_zero_point";
    }

    /** {@code tracked_min_input} or {@code tracked_min_output}. */
    static String trackedMin(QuantType type) {
        return type == QuantType.INPUT ? CalibrationKeys.TRACKED_MIN_INPUT : CalibrationKeys.TRACKED_MIN_OUTPUT;
    }

    /** {@code tracked_max_input} or {@code tracked_max_output}. */
    static String trackedMax(QuantType type) {
        return type == QuantType.INPUT ? CalibrationKeys.TRACKED_MAX_INPUT : CalibrationKeys.TRACKED_MAX_OUTPUT;
    }

    /** Registers zero-filled {@code <type>_scale} and {@code <type>_zero_point} buffers of {@code shape}. */
    static void registerQParams(ModuleWrapper w, QuantType type, long[] shape) {
        w.registerBuffer(scale(type), torch.zeros(shape));
        w.registerBuffer(zeroPoint(type), torch.zeros(shape));
    }

    /** Registers zero-filled tracked range buffers and scale/zero-point buffers for an activation. */
    static void registerActivation(ModuleWrapper w, QuantType type, long[] shape) {
        w.registerBuffer(trackedMin(type), torch.zeros(shape));
        w.registerBuffer(trackedMax(type), torch.zeros(shape));
        registerQParams(w, type, shape);
    }

    /** Creates the range observer of one activation over its tracked-range buffers. */
    @FunctionalInterface
    interface ObserverFactory<O extends RangeObserver> {
        /**
         * @param min the {@code tracked_min_<type>} buffer the observer updates in place
         * @param max the {@code tracked_max_<type>} buffer the observer updates in place
         * @param channelDim the activation's channel dimension, or {@link RangeObserver#PER_TENSOR}
         */
        O create(Tensor min, Tensor max, int channelDim);
    }

    /**
     * Registers every buffer layer {@code w}'s config asks for: weight qparams when the weight is
     * quantized; for the input and output (in that order) when quantized, tracked range and qparams
     * shaped by {@link #activationShape}, and an observer over the tracked range. The observing
     * quantizers differ only in the observer kind, hence the factory.
     *
     * @param graph the graph the dummy input traced (activation shapes on its edges), or null
     * @return the observers of the quantized activations, input first
     * @throws IllegalArgumentException naming the layer when a per-channel activation shape cannot be known
     */
    static <O extends RangeObserver> Map<QuantType, O> registerObserved(ModuleWrapper w, ModelGraph graph,
            ObserverFactory<O> observers) {
        LayerConfig c = w.config();
        if (QuantConfig.types(c).contains(QuantType.WEIGHT)) {
            registerQParams(w, QuantType.WEIGHT, QParams.shape(w.weight().shape(), QuantType.WEIGHT, QuantConfig.scheme(c)));
        }
        Map<QuantType, O> out = new LinkedHashMap<>();
        for (QuantType type : new QuantType[] {QuantType.INPUT, QuantType.OUTPUT}) {
            if (QuantConfig.types(c).contains(type)) {
                registerActivation(w, type, activationShape(w, type, QuantConfig.scheme(c), graph));
                int dim = QuantConfig.scheme(c).perChannel() ? QParams.channelDim(type) : RangeObserver.PER_TENSOR;
                O observer = observers.create(w.getBuffer(trackedMin(type)), w.getBuffer(trackedMax(type)), dim);
                // a NaN or infinite activation is reported as "<layer> <input|output>"
                observer.label(w.name() + " " + type.key());
                out.put(type, observer);
            }
        }
        return out;
    }

    /**
     * Problems with the integer grid of a config entry for QParams: each quant type needs a width in
     * {@code [1, 31]} (the schema allows 32, which QParams' grid cannot hold), and {@code quant_dtype: int}
     * needs at least 2 bits: its grid {@code [−2^(b−1) + 1, 2^(b−1) − 1]} is {@code [0, 0]} for one bit,
     * a single value with no step (uint's {@code [0, 1]} works).
     */
    static List<String> bitErrors(LayerConfig c) {
        List<String> errors = new ArrayList<>();
        for (QuantType type : QuantConfig.types(c)) {
            // the config list has already checked that every quant type has a width
            int bits = QuantConfig.bits(c, type);
            if (bits < 1 || bits > 31) {
                errors.add("config_list[" + c.index() + "].quant_bits: " + type.key() + " width " + bits
                        + " is outside [1, 31]");
            } else if (QuantConfig.dtype(c) == QuantDtype.INT && bits < 2) {
                errors.add("config_list[" + c.index() + "].quant_bits: " + type.key() + " width " + bits
                        + " with quant_dtype int gives the grid [" + QuantDtype.INT.qmin(bits) + ", "
                        + QuantDtype.INT.qmax(bits) + "], a single value; int needs at least 2 bits (uint has [0, 1] for 1 bit)");
            }
        }
        return errors;
    }

    /**
     * Problems with per-channel activation ranges of {@code layer}: the qparams need the activation's
     * shape ({@link #activationShape}), which without a traced dummy input is known only for Conv2d and
     * Linear layers. With a dummy input ({@code traced}) the trace decides at {@code compress()}.
     */
    static List<String> shapeErrors(LayerInfo layer, LayerConfig c, boolean traced) {
        List<String> errors = new ArrayList<>();
        QuantScheme scheme = QuantConfig.scheme(c);
        if (!scheme.perChannel() || traced) {
            return errors;
        }
        for (QuantType type : new QuantType[] {QuantType.INPUT, QuantType.OUTPUT}) {
            if (QuantConfig.types(c).contains(type) && inferredShape(layer.module(), type) == null) {
                errors.add("config_list[" + c.index() + "].quant_scheme: " + scheme.key() + " " + type.key()
                        + " quantization of " + layer.name() + " (" + layer.type() + ") needs the " + type.key()
                        + "'s channel count, known without a dummy input only for Conv2d and Linear layers;"
                        + " pass a dummy input or use a per_tensor scheme");
            }
        }
        return errors;
    }

    /** The layer's stored qparams of {@code type} for its configured bits and dtype. */
    static QParams stored(ModuleWrapper w, QuantType type) {
        return QParams.of(w.getBuffer(scale(type)), w.getBuffer(zeroPoint(type)), QuantConfig.bits(w.config(), type),
                QuantConfig.dtype(w.config()));
    }

    /** Whether the stored scale of {@code type} has been computed (a computed scale is never 0). */
    static boolean hasStoredScale(ModuleWrapper w, QuantType type) {
        return !w.getBuffer(scale(type)).eq(new org.bytedeco.pytorch.Scalar(0.0)).any().item_bool();
    }

    /**
     * The shape of the qparams of an activation of layer {@code w}: {@code []} per tensor; per
     * channel, the channel shape on dimension 1 of the activation's shape as the trace saw it (the shape of
     * the first call's first input edge, or of its output), or,
     * without a trace, of {@code [1, C, 1, 1]} for a {@link Conv2d} and {@code [1, C]} for a
     * {@link Linear}.
     *
     * @throws IllegalArgumentException naming the layer when the shape cannot be known
     */
    static long[] activationShape(ModuleWrapper w, QuantType type, QuantScheme scheme, ModelGraph graph) {
        if (!scheme.perChannel()) {
            return new long[0];
        }
        long[] shape = graph == null ? null : tracedShape(graph, w.name(), type);
        if (shape == null) {
            shape = inferredShape(w.module(), type);
        }
        if (shape == null) {
            throw new IllegalArgumentException(w.name() + " (" + w.type() + "): " + scheme.key() + " " + type.key()
                    + " quantization needs the " + type.key() + " shape; pass a dummy input"
                    + (graph == null ? "" : " that runs this layer"
                    + (w.module().namedChildren().isEmpty() ? "" : " (the trace records leaf modules only)")));
        }
        return QParams.shape(shape, type, scheme);
    }

    /**
     * The shape layer {@code layer} received ({@code input}: its first input on its first call) or returned
     * ({@code output}) in the trace, or null when it is not a node (never ran, or not a leaf module).
     */
    static long[] tracedShape(ModelGraph graph, String layer, QuantType type) {
        if (!graph.hasNode(layer)) {
            return null;
        }
        GraphNode node = graph.node(layer);
        List<Long> shape = type == QuantType.INPUT ? graph.inputsOf(node).get(0).shape() : node.outputShape();
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] inferredShape(Module m, QuantType type) {
        boolean in = type == QuantType.INPUT;
        if (m instanceof Conv2d c) {
            return new long[] {1, in ? c.inChannels() : c.outChannels(), 1, 1};
        }
        if (m instanceof Linear l) {
            return new long[] {1, in ? l.inFeatures() : l.outFeatures()};
        }
        return null;
    }
}
