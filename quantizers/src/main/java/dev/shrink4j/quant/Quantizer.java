package dev.shrink4j.quant;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.shrink4j.compress.Compressor;
import dev.shrink4j.compress.CompressorBuilder;
import dev.shrink4j.compress.LayerInfo;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigKeys;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.compress.config.KeySpec;
import dev.shrink4j.compress.config.LayerConfig;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.core.Ste;
import dev.shrink4j.quant.export.CalibrationConfig;
import dev.shrink4j.quant.export.CalibrationRestore;
import dev.shrink4j.quant.export.ExportedFiles;
import dev.shrink4j.quant.export.IntegerWeights;
import dev.shrink4j.quant.export.ModelExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the quantization algorithms. For each selected layer and each of its {@code quant_types}:
 * <ul>
 *   <li>{@code weight}: a parametrization makes forward compute with
 *       {@link #quantizeWeight(Tensor, ModuleWrapper)} of the stored full-precision weight, which
 *       stays the trainable parameter (and keeps its state-dict key);</li>
 *   <li>{@code input}: a forward pre-hook replaces the input with {@link #quantizeInput};</li>
 *   <li>{@code output}: a forward hook replaces the output with {@link #quantizeOutput}.</li>
 * </ul>
 * The three methods are the overridable points (an algorithm that treats inputs and outputs alike
 * overrides {@link #quantizeActivation} instead of the last two); each returns a tensor whose gradient is what
 * training sees, so non-differentiable arithmetic is wrapped with {@link Ste}. The base counts
 * optimizer steps ({@link #steps()}) for {@code quant_start_step}; algorithms decide what to do
 * before it ({@link #quantizationStarted(ModuleWrapper)}).
 *
 * <p>Exports (all files written atomically; {@link #exportAll} writes all of them): {@link #exportModel}
 * (full-precision state dict with PyTorch names + NNI calibration JSON, read back by
 * {@link #loadCalibrationConfig(Path)} into a freshly compressed quantizer), {@link #exportFakeQuant}
 * (the weights forward computes with, every quantizer) and {@link #exportInt8} (integer weights with
 * scale and zero point, where the weights lie on an at most 8-bit {@link QParams} grid; algorithms
 * describe their grid in {@link #integerGrid}). The order of the exports does not matter: each runs the
 * weight parametrizations on the current weights first, so quantizers that compute weight qparams in
 * forward (QAT, naive) export the ones of the current weights even when no forward ran after the last
 * optimizer step. Each safetensors file carries {@link ModelMetadata}.
 *
 * <p>What reloads into a fresh, uncompressed model of the same architecture, and computes what the
 * quantized model computes in evaluation mode:
 * <ul>
 *   <li>{@value #MODEL_FILE} + {@value #CALIBRATION_FILE}: load the weights, compress the fresh model
 *       with the same quantizer and config list, {@link #loadCalibrationConfig(Path)}: the whole
 *       quantized forward, activations included ({@code shrink4j evaluate --config --calibration});</li>
 *   <li>{@value #FAKE_QUANT_FILE}: loaded into the plain model, the forward with quantized weights.
 *       That is the whole quantized forward when only weights are quantized; quantized inputs and
 *       outputs need the calibration (previous item);</li>
 *   <li>{@value #INT8_FILE}: {@link IntegerWeights#dequantize(Map)} gives back the fake-quant state
 *       dict bit for bit.</li>
 * </ul>
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

    private static final Logger LOG = LoggerFactory.getLogger(Quantizer.class);

    /** {@link #exportAll}'s full-precision weights. */
    public static final String MODEL_FILE = "model.safetensors";
    /** {@link #exportAll}'s calibration config (NNI's {@code calibration_config}). */
    public static final String CALIBRATION_FILE = "calibration.json";
    /** {@link #exportAll}'s fake-quantized weights. */
    public static final String FAKE_QUANT_FILE = "model-fakequant.safetensors";
    /** {@link #exportAll}'s integer weights. */
    public static final String INT8_FILE = "model-int8.safetensors";

    private long steps;

    /**
     * @param model      the model to quantize
     * @param configList which layers, which quant types, how many bits
     * @param optimizer  the training optimizer (counts steps for {@code quant_start_step}), or null
     */
    protected Quantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    /** The quantizer {@code builder} describes, checked once by {@link CompressorBuilder#check()}. */
    protected Quantizer(CompressorBuilder<?> builder) {
        super(builder);
    }

    /** The standard quantization keys, with {@code quant_types} and {@code quant_bits} required. */
    protected ConfigSchema.Builder schemaBuilder() {
        return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.QUANTIZATION)
                .require(ConfigKeys.QUANT_TYPES).require(ConfigKeys.QUANT_BITS);
    }

    /**
     * The keys of an algorithm without scheme, dtype or start step: the selection keys, {@code quant_types}
     * limited to {@code quantTypes} and {@code quant_bits}, both required.
     */
    protected final ConfigSchema.Builder typesAndBitsSchemaBuilder(String... quantTypes) {
        return ConfigSchema.builder(getClass().getSimpleName()).addAll(ConfigSchema.SELECTION)
                .key(ConfigKeys.QUANT_TYPES, KeySpec.stringListOf(quantTypes))
                .key(ConfigKeys.QUANT_BITS, KeySpec.bits())
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
        if (QuantConfig.types(config).contains(QuantType.WEIGHT) && layer.module().getParameter("weight") == null) {
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
        Set<QuantType> types = QuantConfig.types(w.config());
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

    /** The input forward receives. Default: {@link #quantizeActivation} of {@link QuantType#INPUT}. */
    public Tensor quantizeInput(Tensor input, ModuleWrapper wrapper) {
        return quantizeActivation(input, wrapper, QuantType.INPUT);
    }

    /** The output callers receive. Default: {@link #quantizeActivation} of {@link QuantType#OUTPUT}. */
    public Tensor quantizeOutput(Tensor output, ModuleWrapper wrapper) {
        return quantizeActivation(output, wrapper, QuantType.OUTPUT);
    }

    /**
     * The input ({@code type} {@link QuantType#INPUT}) or output ({@link QuantType#OUTPUT}) forward goes
     * on with, for algorithms that quantize both alike (what {@link #quantizeInput} and
     * {@link #quantizeOutput} return unless overridden). Default: unchanged.
     */
    protected Tensor quantizeActivation(Tensor x, ModuleWrapper wrapper, QuantType type) {
        return x;
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

    // ---------------------------------------------------------------- export (dev.shrink4j.quant.export)

    /** The bit width reported for {@code type} of a layer in calibration and exports: its {@code quant_bits}. */
    protected int exportedBits(ModuleWrapper wrapper, QuantType type) {
        return QuantConfig.bits(wrapper.config(), type);
    }

    /**
     * The layer's calibration entry. Default: {@code <type>_bits} for each quant type, then every
     * wrapper buffer named in {@link CalibrationKeys#TENSOR_KEYS}. Algorithms whose state lives under
     * other names add the derived keys.
     */
    protected JsonObject calibration(ModuleWrapper wrapper) {
        return CalibrationConfig.fromBuffers(wrapper, t -> exportedBits(wrapper, t));
    }

    /**
     * Checks one layer's calibration entry and stages the updates it implies. Default: bits must
     * match, {@link CalibrationKeys#TENSOR_KEYS} go into the wrapper buffers of those names.
     */
    protected void restoreCalibration(ModuleWrapper wrapper, JsonObject values, CalibrationRestore restore) {
        restore.restoreBuffers(wrapper, values, t -> exportedBits(wrapper, t));
    }

    /**
     * The integer grid the layer's fake-quantized weight lies on, for {@link #exportInt8(Path)}.
     * Default: the layer's {@code weight_scale}/{@code weight_zero_point} buffers with the range of
     * its {@code quant_dtype} and weight {@code quant_bits} ({@link QParams#of}).
     *
     * @throws UnsupportedOperationException naming the quantizer and the layer when it keeps no such
     *     buffers (its weights have no scale/zero-point grid)
     */
    protected QParams integerGrid(ModuleWrapper wrapper) {
        if (!wrapper.hasBuffer(CalibrationKeys.WEIGHT_SCALE) || !wrapper.hasBuffer(CalibrationKeys.WEIGHT_ZERO_POINT)) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no "
                    + CalibrationKeys.WEIGHT_SCALE + "/" + CalibrationKeys.WEIGHT_ZERO_POINT + " for " + wrapper.name()
                    + ", so its weights have no integer grid to export; use exportFakeQuant");
        }
        return QParams.of(wrapper.getBuffer(CalibrationKeys.WEIGHT_SCALE),
                wrapper.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT), exportedBits(wrapper, QuantType.WEIGHT),
                QuantConfig.dtype(wrapper.config()));
    }

    /**
     * The affine integer grid forward fake-quantizes the {@code type} (input or output) of a layer on: the layer's
     * {@code <type>_scale}/{@code <type>_zero_point} buffers (QAT, observer) with its {@code quant_bits} and
     * {@code quant_dtype}. Algorithms whose activations lie on another grid override it; those whose activations
     * have no affine grid throw {@link UnsupportedOperationException} naming the quantizer and the layer.
     */
    protected QParams activationGrid(ModuleWrapper wrapper, QuantType type) {
        String scale = type.key() + "_scale";
        String zeroPoint = type.key() + "_zero_point";
        if (!wrapper.hasBuffer(scale) || !wrapper.hasBuffer(zeroPoint)) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no " + scale + "/" + zeroPoint
                    + " for " + wrapper.name() + ", so its " + type.key() + " has no affine integer grid");
        }
        return QParams.of(wrapper.getBuffer(scale), wrapper.getBuffer(zeroPoint), exportedBits(wrapper, type),
                QuantConfig.dtype(wrapper.config()));
    }

    /**
     * How the forward quantizes the input or output of {@code layer}, for a runtime that runs it in integers (ONNX
     * {@code QuantizeLinear}/{@code DequantizeLinear}): the grid's live scale and zero point (0-dimensional, or
     * per channel on dimension 1) and range, or empty when the layer does not quantize that activation.
     *
     * @throws IllegalArgumentException      when no layer of that name is quantized, or {@code type} is
     *                                       {@link QuantType#WEIGHT} (see {@link #integerStateDict()})
     * @throws UnsupportedOperationException naming the quantizer and the layer when its levels are no affine grid
     * @throws IllegalStateException         when the scale has not been computed yet (a zero scale: before
     *                                       calibration, or before quantization started)
     */
    public final Optional<QParams> activationQParams(String layer, QuantType type) {
        requireCompressed();
        if (type == QuantType.WEIGHT) {
            throw new IllegalArgumentException("activationQParams covers input and output; weights: integerStateDict()");
        }
        ModuleWrapper w = getModulesWrapper().stream().filter(x -> x.name().equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(getClass().getSimpleName() + " quantizes no layer \""
                        + layer + "\"; quantized layers: " + getModulesWrapper().stream().map(ModuleWrapper::name).toList()));
        if (!QuantConfig.types(w.config()).contains(type)) {
            return Optional.empty();
        }
        QParams grid = activationGrid(w, type);
        try (NoGradGuard g = new NoGradGuard()) {
            if (grid.scale().le(new Scalar(0.0)).any().item_bool()) {
                throw new IllegalStateException(layer + ": the " + type.key() + " scale of " + getClass().getSimpleName()
                        + " has not been computed yet (it is 0: calibrate, or run a quantized forward first)");
            }
        }
        return Optional.of(grid);
    }

    /**
     * Every wrapped layer's calibration entry, keyed by layer name (NNI's {@code calibration_config}),
     * for the current weights: the weight parametrizations run first (see {@link #refreshWeights()}).
     */
    public final JsonObject calibrationConfig() {
        requireCompressed();
        refreshWeights();
        JsonObject out = new JsonObject();
        for (ModuleWrapper w : getModulesWrapper()) {
            out.add(w.name(), CalibrationConfig.ordered(calibration(w)));
        }
        return out;
    }

    /**
     * Runs every weight parametrization once on the current weights, without gradient, and discards
     * the result: quantizers that store weight qparams as forward computes them (QAT's
     * {@code weight_scale}, naive's growing scale) then hold the ones of the current weights, as the
     * next forward would leave them. Every export calls it, so exports agree with each other and with
     * the next forward whatever ran before (an optimizer step changes the weights after the last
     * forward). Idempotent: a second call changes nothing.
     */
    protected final void refreshWeights() {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (ModuleWrapper w : weightQuantized()) {
                w.module().parametrized("weight");
            }
        }
    }

    /**
     * Writes the full-precision model state dict (safetensors, PyTorch names) to {@code modelPath} and
     * the {@link #calibrationConfig()} as JSON to {@code calibrationPath} (skipped when null), with
     * nothing half-done ({@link ModelExport}). The model stays wrapped.
     */
    public final void exportModel(Path modelPath, Path calibrationPath) throws IOException {
        exportModel(modelPath, calibrationPath, ModelMetadata.empty());
    }

    /**
     * As {@link #exportModel(Path, Path)}, with {@code metadata} completed by {@link #exportMetadata}
     * and contents {@value ModelMetadata#WEIGHTS} in the model file.
     */
    public final void exportModel(Path modelPath, Path calibrationPath, ModelMetadata metadata) throws IOException {
        JsonObject calibration = calibrationConfig();
        try (PointerScope scope = new PointerScope()) {
            ModelExport.writeModel(model().stateDict(), exportMetadata(metadata).withContents(ModelMetadata.WEIGHTS).asMap(),
                    modelPath, calibration, calibrationPath);
        }
    }

    /**
     * Writes every export into {@code dir} (an existing directory) under the standard names: {@value #FAKE_QUANT_FILE},
     * {@value #INT8_FILE} (where the quantizer's weights have an integer grid; otherwise no such file
     * is left in {@code dir}, and the result says why), {@value #MODEL_FILE} and
     * {@value #CALIBRATION_FILE}, each safetensors file with {@code metadata} (see
     * {@link #exportMetadata}) and its contents. All from the same weights and qparams
     * ({@link #refreshWeights()}), so the files agree with each other and with the next forward.
     *
     * @return the files written
     */
    public final ExportedFiles exportAll(Path dir, ModelMetadata metadata) throws IOException {
        requireCompressed();
        Path fakeQuant = dir.resolve(FAKE_QUANT_FILE);
        exportFakeQuant(fakeQuant, metadata);
        Path int8 = dir.resolve(INT8_FILE);
        String int8Skipped = null;
        try {
            exportInt8(int8, metadata);
        } catch (UnsupportedOperationException e) {
            int8Skipped = e.getMessage();
            LOG.info("{}: no {} ({})", getClass().getSimpleName(), INT8_FILE, int8Skipped);
            Files.deleteIfExists(int8); // a stale file of an earlier export would be mistaken for this one's
        }
        Path model = dir.resolve(MODEL_FILE);
        Path calibration = dir.resolve(CALIBRATION_FILE);
        exportModel(model, calibration, metadata);
        return new ExportedFiles(model, calibration, fakeQuant, int8Skipped == null ? int8 : null, int8Skipped);
    }

    /** Reads a calibration file and restores it; see {@link #loadCalibrationConfig(JsonObject)}. */
    public final void loadCalibrationConfig(Path calibrationPath) throws IOException {
        loadCalibrationConfig(CalibrationConfig.read(calibrationPath), calibrationPath.toString());
    }

    /**
     * Restores calibration values into the wrapped layers. Every layer of the config must be wrapped,
     * and every key must fit its layer; all problems are reported in one exception and then nothing
     * changes. Wrapped layers the config does not mention keep their values (logged as a warning,
     * as NNI does).
     *
     * @throws IllegalArgumentException listing every problem as {@code <layer>.<key>: …}
     */
    public final void loadCalibrationConfig(JsonObject config) {
        loadCalibrationConfig(config, "calibration config");
    }

    private void loadCalibrationConfig(JsonObject config, String source) {
        requireCompressed();
        CalibrationRestore restore = new CalibrationRestore();
        Map<String, ModuleWrapper> byName = new LinkedHashMap<>();
        getModulesWrapper().forEach(w -> byName.put(w.name(), w));
        for (Map.Entry<String, JsonElement> e : config.entrySet()) {
            ModuleWrapper w = byName.get(e.getKey());
            if (w == null) {
                restore.problem(e.getKey() + ": no quantized layer of that name; quantized layers: " + byName.keySet());
            } else if (!e.getValue().isJsonObject()) {
                restore.problem(e.getKey() + ": expected an object of calibration values, got " + e.getValue());
            } else {
                restoreCalibration(w, e.getValue().getAsJsonObject(), restore);
            }
        }
        if (!restore.problems().isEmpty()) {
            throw new IllegalArgumentException(source + " does not fit " + getClass().getSimpleName() + ":\n  "
                    + String.join("\n  ", restore.problems()));
        }
        restore.apply();
        byName.keySet().stream().filter(n -> !config.has(n))
                .forEach(n -> LOG.warn("{} has no values for quantized layer {}; it keeps its own", source, n));
    }

    /**
     * The model state dict with each weight-quantized layer's {@code weight} replaced by the value
     * forward computes with (its parametrizations applied, without gradient), then completed by
     * {@link #completeForwardStateDict} so that a plain model loading it computes the quantized
     * forward's weights and biases. The replaced tensors are fresh, owned by the caller's scope; the
     * others are the live parameters and buffers.
     */
    public final Map<String, Tensor> fakeQuantStateDict() {
        requireCompressed();
        Map<String, Tensor> out = model().stateDict();
        try (NoGradGuard g = new NoGradGuard()) {
            for (ModuleWrapper w : weightQuantized()) {
                out.put(w.name() + ".weight", w.module().parametrized("weight").detach());
            }
            completeForwardStateDict(out);
        }
        return out;
    }

    /**
     * Completes the fake-quant state dict where the algorithm changes more than the weights forward
     * computes with, so that a plain model loading it computes what the wrapped layers compute (QAT's
     * batch-norm folding moves the batch norm into the convolution's weight and bias). Runs without
     * gradient; replace entries with fresh tensors, never modify the live ones. Default: nothing.
     *
     * @param stateDict the model's state dict with the quantized weights already in place
     */
    protected void completeForwardStateDict(Map<String, Tensor> stateDict) {
    }

    /**
     * The model state dict with each weight-quantized layer's {@code weight} replaced, at its place,
     * by its integers ({@code <layer>.weight}, int8 or uint8) followed by {@code <layer>.weight_scale}
     * and {@code <layer>.weight_zero_point} ({@link IntegerWeights}), computed from the fake-quantized
     * weight on the layer's {@link #integerGrid}; every other tensor (biases, BatchNorm statistics) as
     * it is. {@code weight_scale · (weight − weight_zero_point)} reproduces the fake-quantized weight
     * bit for bit (checked).
     *
     * @throws UnsupportedOperationException when the quantizer's weights have no integer grid
     */
    public final Map<String, Tensor> integerStateDict() {
        Map<String, Tensor> fake = fakeQuantStateDict();
        Map<String, Map<String, Tensor>> replacements = new LinkedHashMap<>();
        for (ModuleWrapper w : weightQuantized()) {
            replacements.put(w.name() + ".weight",
                    IntegerWeights.entries(w.name(), fake.get(w.name() + ".weight"), integerGrid(w)));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        fake.forEach((k, v) -> {
            Map<String, Tensor> r = replacements.get(k);
            if (r == null) {
                out.put(k, v);
            } else {
                out.putAll(r);
            }
        });
        return out;
    }

    /** Writes {@link #fakeQuantStateDict()} as safetensors, atomically. */
    public final void exportFakeQuant(Path path) throws IOException {
        exportFakeQuant(path, ModelMetadata.empty());
    }

    /**
     * As {@link #exportFakeQuant(Path)}, with {@code metadata} completed by {@link #exportMetadata} and
     * contents {@value ModelMetadata#FAKE_QUANT_WEIGHTS}.
     */
    public final void exportFakeQuant(Path path, ModelMetadata metadata) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.save(fakeQuantStateDict(),
                    exportMetadata(metadata).withContents(ModelMetadata.FAKE_QUANT_WEIGHTS).asMap(), path);
        }
    }

    /**
     * Writes {@link #integerStateDict()} as safetensors, atomically: the integer weights a deployment
     * loads (about 4x smaller than float32 weights). Supported where the weights lie on a
     * scale/zero-point grid of at most 8 bits: quantizers keeping {@code weight_scale} and
     * {@code weight_zero_point} buffers, {@code LsqQuantizer} (zero point 0) and {@code BnnQuantizer}
     * (±1, scale 1); {@code DoReFaQuantizer} refuses.
     *
     * @throws UnsupportedOperationException naming the quantizer and layer when there is no grid
     */
    public final void exportInt8(Path path) throws IOException {
        exportInt8(path, ModelMetadata.empty());
    }

    /**
     * As {@link #exportInt8(Path)}, with {@code metadata} completed by {@link #exportMetadata} and
     * contents {@value ModelMetadata#INT8_WEIGHTS}.
     *
     * @throws UnsupportedOperationException naming the quantizer and layer when there is no grid
     */
    public final void exportInt8(Path path, ModelMetadata metadata) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            SafeTensors.save(integerStateDict(), exportMetadata(metadata).withContents(ModelMetadata.INT8_WEIGHTS).asMap(),
                    path);
        }
    }

    private List<ModuleWrapper> weightQuantized() {
        return getModulesWrapper().stream().filter(w -> QuantConfig.types(w.config()).contains(QuantType.WEIGHT)).toList();
    }
}
