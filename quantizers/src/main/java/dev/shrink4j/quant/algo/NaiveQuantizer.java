package dev.shrink4j.quant.algo;

import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.SimpleCompressorBuilder;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantDtype;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.core.Ste;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * NNI's {@code NaiveQuantizer}: 8-bit symmetric weights with a scale that only grows. On every
 * forward, for each selected layer:
 * <pre>
 *   scale = max(scale, max|w| / 127)          (scale starts at 0, kept in buffer weight_scale)
 *   w_q   = trunc(w / scale) · scale          (NNI casts w / scale to int8: truncation toward zero)
 * </pre>
 * The gradient passes straight through ({@code dw_q/dw = 1}). Because the scale never shrinks,
 * {@code |w / scale| ≤ 127} always holds and the int8 cast never wraps. A layer whose weights have
 * all been zero so far has scale 0; its weights are then returned unchanged (NNI would compute 0/0).
 *
 * <p>Config: {@code quant_types: ["weight"]}, {@code quant_bits: 8} (or {@code {"weight": 8}}), as NNI's
 * schema allows. Buffers: {@code weight_scale} (0-d) and {@code weight_zero_point} (0-d, always 0).
 */
public final class NaiveQuantizer extends Quantizer {

    /** The int8 bound NNI divides by. */
    private static final double QMAX = 127;

    /**
     * @param model      the model
     * @param configList layers to quantize; {@code quant_types: ["weight"]}, {@code quant_bits: 8}
     * @param optimizer  the training optimizer, or null
     */
    public NaiveQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    @Override
    protected ConfigSchema configSchema() {
        return schemaBuilder().key(ConfigKeys.QUANT_TYPES, KeySpec.stringListOf("weight")).build();
    }

    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new java.util.ArrayList<>(super.validateLayer(layer, config));
        if (QuantConfig.types(config).contains(QuantType.WEIGHT) && QuantConfig.bits(config, QuantType.WEIGHT) != 8) {
            errors.add("config_list[" + config.index() + "].quant_bits: " + QuantConfig.bits(config, QuantType.WEIGHT)
                    + " is not supported; NaiveQuantizer quantizes weights to 8 bits");
        }
        return errors;
    }

    @Override
    protected void initialize(ModuleWrapper wrapper) {
        wrapper.registerBuffer(CalibrationKeys.WEIGHT_SCALE, torch.zeros());
        wrapper.registerBuffer(CalibrationKeys.WEIGHT_ZERO_POINT, torch.zeros());
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        Tensor scale = wrapper.getBuffer(CalibrationKeys.WEIGHT_SCALE);
        Tensor q;
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor w = weight.detach();
            scale.copy_(torch.maximum(scale, w.abs().max().div(new Scalar(QMAX))));
            // all-zero weights so far: w is zero and stays as it is
            Tensor safe = torch.where(scale.eq(new Scalar(0.0)), new Scalar(1.0), scale);
            q = w.div(safe).trunc().mul(safe);
        }
        return Ste.straightThrough(weight, q);
    }

    /**
     * The signed grid {@code trunc(w/scale)} lies on: int8 in {@code [-127, 127]} with zero point 0, whatever
     * {@code quant_dtype} says (the default {@code uint} would clamp every negative weight to 0).
     */
    @Override
    protected QParams integerGrid(ModuleWrapper wrapper) {
        return QParams.of(wrapper.getBuffer(CalibrationKeys.WEIGHT_SCALE), wrapper.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT),
                8, QuantDtype.INT);
    }

    /** The layer's current scale (the {@code weight_scale} buffer's value). */
    public double scale(String layerName) {
        return getWrapper(layerName).getBuffer(CalibrationKeys.WEIGHT_SCALE).item_double();
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optOptimizer} optional. */
    public static SimpleCompressorBuilder<NaiveQuantizer> builder() {
        return new SimpleCompressorBuilder<>("NaiveQuantizer", NaiveQuantizer::new);
    }
}
