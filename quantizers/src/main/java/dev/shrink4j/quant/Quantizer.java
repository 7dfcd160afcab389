package dev.shrink4j.quant;

import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.compress.config.QuantType;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * Base of the quantization algorithms. For each selected layer and each of its {@code quant_types}:
 * <ul>
 *   <li>{@code weight}: a parametrization makes forward compute with
 *       {@link #quantizeWeight(Tensor, ModuleWrapper)} of the stored full-precision weight, which
 *       stays the trainable parameter (and keeps its state-dict key);</li>
 *   <li>{@code input}: a forward pre-hook replaces the input with {@link #quantizeInput};</li>
 *   <li>{@code output}: a forward hook replaces the output with {@link #quantizeOutput}.</li>
 * </ul>
 * The three methods are the overridable points; each returns a tensor whose gradient is what
 * training sees, so non-differentiable arithmetic is wrapped with {@link Ste}. The base counts
 * optimizer steps ({@link #steps()}) for {@code quant_start_step}; algorithms decide what to do
 * before it ({@link #quantizationStarted(ModuleWrapper)}).
 *
 * <p>A custom quantizer overrides one method:
 * <pre>{@code
 * class SignQuantizer extends Quantizer {
 *     SignQuantizer(Module m, ConfigList c) { super(m, c, null); }
 *     @Override public Tensor quantizeWeight(Tensor w, ModuleWrapper wrapper) { return Ste.straightThrough(w, w.sign()); }
 * }
 * }</pre>
 */
public abstract class Quantizer extends Compressor {

    private long steps;

    /**
     * @param model      the model to quantize
     * @param configList which layers, which quant types, how many bits
     * @param optimizer  the training optimizer (counts steps for {@code quant_start_step}), or null
     */
    protected Quantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    /** The standard quantization keys, with {@code quant_types} and {@code quant_bits} required. */
    protected ConfigSchema.Builder schemaBuilder() {
        return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.QUANTIZATION)
                .require(ConfigKeys.QUANT_TYPES).require(ConfigKeys.QUANT_BITS);
    }

    @Override
    protected ConfigSchema configSchema() {
        return schemaBuilder().build();
    }

    /**
     * Weight quantization needs a weight; {@code quant_start_step > 0} needs an optimizer to count
     * steps.
     */
    @Override
    protected List<String> validateLayer(LayerInfo layer, LayerConfig config) {
        List<String> errors = new ArrayList<>();
        if (config.quantTypes().contains(QuantType.WEIGHT) && layer.module().getParameter("weight") == null) {
            errors.add("config_list[" + config.index() + "]: " + layer.name() + " (" + layer.type()
                    + ") has no weight to quantize");
        }
        if (config.quantStartStep() > 0 && optimizer().isEmpty()) {
            errors.add("config_list[" + config.index() + "].quant_start_step: " + config.quantStartStep()
                    + " counts optimizer steps, but " + getClass().getSimpleName() + " was given no optimizer");
        }
        return errors;
    }

    /**
     * Sets up the algorithm's buffers on a layer before its hooks are installed (scales, observer
     * ranges). Default: nothing.
     */
    protected void initialize(ModuleWrapper wrapper) {
    }

    @Override
    protected final void wrap(ModuleWrapper w) {
        initialize(w);
        Set<QuantType> types = w.config().quantTypes();
        if (types.contains(QuantType.WEIGHT)) {
            w.track(w.module().registerParametrization("weight", weight -> quantizeWeight(weight, w)));
        }
        if (types.contains(QuantType.INPUT)) {
            w.track(w.module().registerForwardPreHook((m, x) -> quantizeInput(x, w)));
        }
        if (types.contains(QuantType.OUTPUT)) {
            w.track(w.module().registerForwardHook((m, x, y) -> quantizeOutput(y, w)));
        }
    }

    /** Quantizers set up per layer in {@link #initialize}; nothing runs after wrapping by default. */
    @Override
    protected void afterWrap() {
    }

    /** The weight forward computes with. Default: unchanged. */
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        return weight;
    }

    /** The input forward receives. Default: unchanged. */
    public Tensor quantizeInput(Tensor input, ModuleWrapper wrapper) {
        return input;
    }

    /** The output callers receive. Default: unchanged. */
    public Tensor quantizeOutput(Tensor output, ModuleWrapper wrapper) {
        return output;
    }

    /** Counts the step; subclasses that override call {@code super.afterOptimizerStep()}. */
    @Override
    protected void afterOptimizerStep() {
        steps++;
    }

    /** Optimizer steps taken since {@code compress()}. */
    public final long steps() {
        return steps;
    }

    /** Whether the layer's {@code quant_start_step} has been reached. */
    protected final boolean quantizationStarted(ModuleWrapper wrapper) {
        return steps >= wrapper.config().quantStartStep();
    }
}
