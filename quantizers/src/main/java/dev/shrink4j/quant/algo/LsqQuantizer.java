package dev.shrink4j.quant.algo;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.SimpleCompressorBuilder;
import dev.shrink4j.compress.StateKey;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Adam;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.core.Ste;
import dev.shrink4j.quant.export.CalibrationConfig;
import dev.shrink4j.quant.export.CalibrationRestore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learned step size quantization (Esser et al., <a href="https://arxiv.org/abs/1902.08153">LSQ</a>;
 * NNI's {@code LsqQuantizer}). Each quantized tensor of a layer (weight, and input/output when
 * configured) has its own trainable step size {@code s}, a 0-dimensional float32 leaf kept as the
 * wrapper buffer {@code weight_scale}, {@code input_scale} or {@code output_scale}. With
 * {@code b = quant_bits}, {@code qmax = 2^(b−1) − 1}, {@code qmin = −2^(b−1)} and {@code n} the
 * number of elements of the tensor {@code x}:
 * <pre>
 * g   = 1 / sqrt(qmax · n)                         (gradient scale)
 * s'  = s with gradient scaled by g                (value exactly s)
 * x_q = round(clamp(x / s', qmin, qmax)) · s'      (round half to even; round passes the gradient)
 * </pre>
 * which gives LSQ's gradients: {@code ∂x_q/∂x = 1} where {@code qmin ≤ x/s ≤ qmax}, else 0;
 * {@code ∂x_q/∂s = g·(round(x/s) − x/s)} inside, {@code g·qmin} below and {@code g·qmax} above.
 *
 * <p>Initial step: {@code s = 2·mean|x| / sqrt(qmax)}, for the weight when the layer is wrapped, for
 * inputs and outputs from the first batch that reaches the layer (NNI initialises them from the
 * first training batch).
 *
 * <p><b>Optimizer.</b> The step sizes are trained with the weights: {@code compress()} adds every step
 * size to the optimizer as one new parameter group, as NNI's
 * {@code optimizer.add_param_group({"params": scale})} does: through
 * {@link Optimizer#addParamGroup(List)}, the group gets the first group's options (momentum, weight
 * decay, betas, …) and its current learning rate, as PyTorch fills a new group from the optimizer's
 * defaults. {@link #stepSizes()} lists the added parameters. {@link #unwrap()} removes the group
 * again, keeping the state of the optimizer's other groups. Without an optimizer (null) nothing trains
 * them: the step sizes stay at their initial values or at those {@link #loadCalibrationConfig} restores,
 * which is how an exported model is evaluated ({@code shrink4j evaluate --config --calibration}) or
 * quantized without fine-tuning.
 *
 * <p><b>Export.</b> Calibration: {@code weight_scale = s}, {@code weight_zero_point = 0}; inputs and
 * outputs as NNI records them, {@code tracked_max = s·qmax}, {@code tracked_min = −tracked_max}.
 * {@link #exportInt8} is supported for {@code quant_bits ≤ 8}: the integers {@code round(clamp(w/s))}
 * in {@code [qmin, qmax]} (int8), scale {@code s}, zero point 0.
 *
 * <p>Config: {@code quant_types} from {@code weight}, {@code input}, {@code output}; {@code quant_bits}
 * (a number or per type) at least 2.
 */
public final class LsqQuantizer extends Quantizer {

    /** Buffer name of the input step size. */
    public static final String INPUT_SCALE = "input_scale";
    /** Buffer name of the output step size. */
    public static final String OUTPUT_SCALE = "output_scale";

    private static final Logger LOG = LoggerFactory.getLogger(LsqQuantizer.class);

    /** Which of the layer's step sizes have their initial value: typed state, so that no reader casts. */
    static final StateKey<LsqLayerState> STATE = StateKey.of("lsq_initialized", LsqLayerState.class);

    private final List<Tensor> stepSizes = new ArrayList<>();
    /** The parameter group {@link #afterWrap()} added, until {@link #undoAfterWrap()} removes it. */
    private List<Tensor> addedGroup;

    /**
     * @param optimizer the training optimizer (e.g. {@link Sgd} or {@link Adam}); the step sizes are
     *     added to it as a new parameter group by {@link #compress()}. Null when nothing is trained
     *     (evaluating restored step sizes): they then stay fixed.
     */
    public LsqQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    @Override
    protected ConfigSchema configSchema() {
        return typesAndBitsSchemaBuilder("weight", "input", "output").build();
    }

    /** Adds: every quantized tensor needs at least 2 bits ({@code qmax = 0} has no step). */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>(super.validateLayer(layer, config));
        for (QuantType t : QuantConfig.types(config)) {
            if (QuantConfig.bits(config, t) < 2) {
                errors.add("config_list[" + config.index() + "].quant_bits: " + layer.name() + " " + t.key()
                        + " has " + QuantConfig.bits(config, t) + " bit(s); LSQ needs at least 2 (qmax = 2^(b-1) - 1 > 0)");
            }
        }
        return errors;
    }

    /** {@code 2^(b−1) − 1}. */
    static long qmax(int bits) {
        return (1L << (bits - 1)) - 1;
    }

    /** {@code −2^(b−1)}. */
    static long qmin(int bits) {
        return -(1L << (bits - 1));
    }

    static String scaleName(QuantType type) {
        return switch (type) {
            case WEIGHT -> CalibrationKeys.WEIGHT_SCALE;
            case INPUT -> INPUT_SCALE;
            case OUTPUT -> OUTPUT_SCALE;
        };
    }

    @Override
    protected void initialize(ModuleWrapper wrapper) {
        LsqLayerState state = wrapper.putState(STATE, new LsqLayerState());
        for (QuantType type : QuantConfig.types(wrapper.config())) {
            Tensor s;
            try (NoGradGuard g = new NoGradGuard()) {
                s = Tensor.create(new float[] {1f}, 1).squeeze();
                if (type == QuantType.WEIGHT) {
                    s.copy_(initialStep(wrapper.weight(), QuantConfig.bits(wrapper.config(), type)));
                }
            }
            s.requires_grad_(true);
            wrapper.registerBuffer(scaleName(type), s);
            stepSizes.add(s);
        }
        // the weight's step is set above; an activation's comes from the first batch that reaches the layer
        if (QuantConfig.types(wrapper.config()).contains(QuantType.WEIGHT)) {
            state.markInitialized(QuantType.WEIGHT);
        }
        if (QuantConfig.types(wrapper.config()).contains(QuantType.WEIGHT)) {
            wrapper.registerBuffer(CalibrationKeys.WEIGHT_ZERO_POINT, Tensor.create(new float[] {0f}, 1).squeeze());
        }
    }

    /** {@code 2·mean|x| / sqrt(qmax)}, 0-dimensional, no gradient. */
    static Tensor initialStep(Tensor x, int bits) {
        try (NoGradGuard g = new NoGradGuard()) {
            return x.detach().abs().mean().mul(new Scalar(2.0)).div(new Scalar(Math.sqrt(qmax(bits))));
        }
    }

    /**
     * Adds the step sizes to the optimizer as one parameter group with its first group's options;
     * without an optimizer they stay fixed (logged).
     */
    @Override
    protected void afterWrap() {
        if (stepSizes.isEmpty()) {
            return;
        }
        if (optimizer().isPresent()) {
            List<Tensor> group = List.copyOf(stepSizes);
            optimizer().get().addParamGroup(group);
            addedGroup = group;
        } else {
            LOG.info("LsqQuantizer has no optimizer: its {} step size(s) stay fixed", stepSizes.size());
        }
    }

    /**
     * Removes the step sizes' parameter group from the optimizer (the other groups keep their state,
     * {@link Optimizer#removeParamGroup(List)}), before unwrapping releases the step sizes with the
     * wrapper buffers they are; the optimizer then has exactly the groups it had before
     * {@code compress()}.
     */
    @Override
    protected void undoAfterWrap() {
        stepSizes.clear();
        if (addedGroup != null) {
            List<Tensor> group = addedGroup;
            addedGroup = null;
            Optimizer o = optimizer().orElseThrow();
            if (!o.isClosed()) { // a closed optimizer has released its groups already
                o.removeParamGroup(group);
            }
        }
    }

    /**
     * The trainable step sizes, in wrapping order (the parameters of the group added to the optimizer);
     * empty after {@link #unwrap()}.
     */
    public List<Tensor> stepSizes() {
        return List.copyOf(stepSizes);
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        return quantize(weight, wrapper, QuantType.WEIGHT);
    }

    @Override
    protected Tensor quantizeActivation(Tensor x, ModuleWrapper wrapper, QuantType type) {
        return quantize(x, wrapper, type);
    }

    private Tensor quantize(Tensor x, ModuleWrapper wrapper, QuantType type) {
        int bits = QuantConfig.bits(wrapper.config(), type);
        Tensor s = wrapper.getBuffer(scaleName(type));
        LsqLayerState state = wrapper.state(STATE);
        if (!state.isInitialized(type)) {
            try (NoGradGuard g = new NoGradGuard()) {
                s.copy_(initialStep(x, bits));
            }
            state.markInitialized(type);
        }
        return lsq(x, s, bits);
    }

    /**
     * LSQ's fake quantization of {@code x} with step {@code s}: value {@code round(clamp(x/s, qmin,
     * qmax))·s}, gradients as in the class documentation.
     */
    static Tensor lsq(Tensor x, Tensor s, int bits) {
        long qmin = qmin(bits);
        long qmax = qmax(bits);
        double g = 1.0 / Math.sqrt((double) qmax * x.numel());
        Tensor sg = s.mul(new Scalar(g));
        Tensor scaled = s.detach().add(sg.sub(sg.detach())); // value s, gradient g
        Tensor c = x.div(scaled).clamp(new ScalarOptional(new Scalar((double) qmin)),
                new ScalarOptional(new Scalar((double) qmax)));
        return Ste.straightThrough(c, c.detach().round()).mul(scaled);
    }

    /** The grid {@code [qmin, qmax]} with scale {@code s} and zero point 0. */
    @Override
    protected QParams integerGrid(ModuleWrapper wrapper) {
        int bits = QuantConfig.bits(wrapper.config(), QuantType.WEIGHT);
        return new QParams(wrapper.getBuffer(CalibrationKeys.WEIGHT_SCALE).detach(),
                wrapper.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT), qmin(bits), qmax(bits));
    }

    /**
     * The input/output grid {@code [qmin, qmax]} with its step size {@code s} and zero point 0.
     *
     * @throws IllegalStateException before the first batch initialised the step (a forward would set it then)
     */
    @Override
    protected QParams activationGrid(ModuleWrapper wrapper, QuantType type) {
        if (!wrapper.state(STATE).isInitialized(type)) {
            throw new IllegalStateException(wrapper.name() + ": the " + type.key() + " step of LsqQuantizer is set by the"
                    + " first batch that reaches the layer, and none has yet: run a forward (or load a calibration) first");
        }
        int bits = QuantConfig.bits(wrapper.config(), type);
        Tensor s = wrapper.getBuffer(scaleName(type)).detach();
        return new QParams(s, torch.zeros_like(s), qmin(bits), qmax(bits));
    }

    /** Weight: the buffers; input/output: {@code tracked_max = s·qmax}, {@code tracked_min = −tracked_max}. */
    @Override
    protected JsonObject calibration(ModuleWrapper wrapper) {
        JsonObject entry = CalibrationConfig.fromBuffers(wrapper, t -> exportedBits(wrapper, t));
        for (QuantType type : List.of(QuantType.INPUT, QuantType.OUTPUT)) {
            if (QuantConfig.types(wrapper.config()).contains(type)) {
                double max = scalar(wrapper.getBuffer(scaleName(type))) * qmax(QuantConfig.bits(wrapper.config(), type));
                entry.addProperty(trackedMin(type), -max);
                entry.addProperty(trackedMax(type), max);
            }
        }
        return CalibrationConfig.ordered(entry);
    }

    /**
     * Bits, {@code weight_scale} and {@code weight_zero_point} as by default; an input/output step is
     * {@code tracked_max / qmax}, and {@code tracked_min} must be {@code −tracked_max}.
     */
    @Override
    protected void restoreCalibration(ModuleWrapper wrapper, JsonObject values, CalibrationRestore restore) {
        JsonObject rest = new JsonObject();
        for (Map.Entry<String, JsonElement> e : values.entrySet()) {
            rest.add(e.getKey(), e.getValue());
        }
        for (QuantType type : List.of(QuantType.INPUT, QuantType.OUTPUT)) {
            JsonElement min = rest.remove(trackedMin(type));
            JsonElement max = rest.remove(trackedMax(type));
            if (min == null && max == null) {
                continue;
            }
            String layer = wrapper.name();
            if (!QuantConfig.types(wrapper.config()).contains(type)) {
                restore.problem(layer, min != null ? trackedMin(type) : trackedMax(type),
                        layer + " does not quantize its " + type.key());
                continue;
            }
            if (min == null || max == null) {
                restore.problem(layer, min == null ? trackedMin(type) : trackedMax(type),
                        "missing; LSQ restores its " + type.key() + " step from both tracked values");
                continue;
            }
            Double lo = restore.number(layer, trackedMin(type), min);
            Double hi = restore.number(layer, trackedMax(type), max);
            if (lo == null || hi == null) {
                continue;
            }
            if (!(hi > 0) || lo != -hi) {
                restore.problem(layer, trackedMin(type), "LSQ ranges are symmetric and positive: expected -"
                        + hi + " with tracked_max " + hi + ", got " + lo);
                continue;
            }
            restore.set(layer, trackedMax(type), wrapper.getBuffer(scaleName(type)),
                    new double[] {hi / qmax(QuantConfig.bits(wrapper.config(), type))});
            restore.onApply(() -> wrapper.state(STATE).markInitialized(type));
        }
        restore.restoreBuffers(wrapper, rest, t -> exportedBits(wrapper, t));
    }

    private static String trackedMin(QuantType type) {
        return type == QuantType.INPUT ? CalibrationKeys.TRACKED_MIN_INPUT : CalibrationKeys.TRACKED_MIN_OUTPUT;
    }

    private static String trackedMax(QuantType type) {
        return type == QuantType.INPUT ? CalibrationKeys.TRACKED_MAX_INPUT : CalibrationKeys.TRACKED_MAX_OUTPUT;
    }

    private static double scalar(Tensor t) {
        return t.detach().item_double();
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optOptimizer} optional. */
    public static SimpleCompressorBuilder<LsqQuantizer> builder() {
        return new SimpleCompressorBuilder<>("LsqQuantizer", LsqQuantizer::new);
    }
}
