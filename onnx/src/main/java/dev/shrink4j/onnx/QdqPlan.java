package dev.shrink4j.onnx;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.algo.BnnQuantizer;
import dev.shrink4j.quant.algo.DoReFaQuantizer;
import dev.shrink4j.quant.algo.ObserverQuantizer;
import dev.shrink4j.quant.algo.QatQuantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.export.IntegerWeights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Quantizer} does to each layer, as the ONNX graph expresses it: read once, before the model is
 * traced, from the quantizer's exports.
 *
 * <ul>
 *   <li>Weights on an affine integer grid (QAT, observer, LSQ, naive): the integers, scale and zero point of
 *       {@link Quantizer#integerStateDict()}, the very tensors of {@code model-int8.safetensors}, run through a
 *       {@code DequantizeLinear}. DoReFa (levels not on one grid), BNN (binary outputs, no integer kernel) and
 *       quantizers without a grid: the fake-quantized float32 weights of {@link Quantizer#fakeQuantStateDict()},
 *       with a note saying so.</li>
 *   <li>Every other tensor the quantizer replaces in its fake-quant state dict (QAT's folded biases) from there.</li>
 *   <li>Inputs and outputs: {@link Quantizer#activationQParams}; BNN's outputs are {@code sign(y)}.</li>
 *   <li>QAT's folded batch norms are pass-throughs in the quantized forward: the exporter elides them and gives
 *       the convolution the folded bias.</li>
 * </ul>
 */
final class QdqPlan {

    private static final Logger LOG = LoggerFactory.getLogger(QdqPlan.class);

    private final Quantizer quantizer;
    private final Map<String, Tensor> live;
    private final Map<String, Tensor> fakeQuant;
    private final Map<String, Tensor> integers;
    private final Map<String, ModuleWrapper> wrappers = new LinkedHashMap<>();
    private final Map<String, String> foldedBatchNorms = new HashMap<>();
    private final String note;

    private QdqPlan(Quantizer quantizer, Map<String, Tensor> fakeQuant, Map<String, Tensor> integers, String note) {
        this.quantizer = quantizer;
        this.live = quantizer.model().stateDict();
        this.fakeQuant = fakeQuant;
        this.integers = integers;
        this.note = note;
        quantizer.getModulesWrapper().forEach(w -> wrappers.put(w.name(), w));
        if (quantizer instanceof QatQuantizer qat) {
            qat.foldedPairs().forEach((conv, bn) -> foldedBatchNorms.put(bn, conv));
        }
    }

    /**
     * Reads the quantizer's state; the tensors belong to the caller's scope.
     *
     * @throws IllegalStateException when the quantizer is not compressed or has not fixed its qparams yet
     */
    static QdqPlan of(Quantizer quantizer) {
        if (!quantizer.isCompressed()) {
            throw new IllegalStateException(quantizer.getClass().getSimpleName()
                    + " has not compressed its model: call compress() (and train or calibrate) before exporting");
        }
        if (quantizer instanceof ObserverQuantizer o && !o.isFixed()) {
            throw new IllegalStateException("ObserverQuantizer has not fixed its qparams: calibrate (or fix()) before"
                    + " exporting");
        }
        Map<String, Tensor> fakeQuant = quantizer.fakeQuantStateDict();
        String name = quantizer.getClass().getSimpleName();
        if (quantizer instanceof DoReFaQuantizer) {
            return new QdqPlan(quantizer, fakeQuant, Map.of(), name + ": weight levels 2r/K - 1 are not one affine"
                    + " integer grid, so the weights are exported as their fake-quantized float32 values");
        }
        if (quantizer instanceof BnnQuantizer) {
            return new QdqPlan(quantizer, fakeQuant, Map.of(), name + ": binary weights and sign(y) outputs have no"
                    + " integer kernel, so the weights are exported as their fake-quantized float32 values (+1/-1)"
                    + " and the outputs as sign(y)");
        }
        for (ModuleWrapper w : quantizer.getModulesWrapper()) {
            if (w.hasBuffer(IntegerWeights.WEIGHT_SCALE) && QuantConfig.types(w.config()).contains(QuantType.WEIGHT)
                    && w.getBuffer(IntegerWeights.WEIGHT_SCALE).le(new org.bytedeco.pytorch.Scalar(0.0)).any().item_bool()) {
                throw new IllegalStateException(w.name() + ": the weight scale of " + name + " has not been computed yet"
                        + " (it is 0: run a quantized forward, or calibrate, first)");
            }
        }
        Map<String, Tensor> integers;
        try {
            integers = quantizer.integerStateDict();
        } catch (UnsupportedOperationException e) {
            // a quantizer whose weights have no grid: still exportable, as its fake-quantized float32 weights
            String why = name + ": " + e.getMessage() + "; the weights are exported as their fake-quantized float32"
                    + " values";
            LOG.info("{}", why);
            return new QdqPlan(quantizer, fakeQuant, Map.of(), why);
        }
        return new QdqPlan(quantizer, fakeQuant, integers, null);
    }

    /** The metadata {@value ModelMetadata#CONTENTS}: int8 weights, or fake-quantized float32 ones. */
    String contents() {
        return integers.isEmpty() ? ModelMetadata.FAKE_QUANT_WEIGHTS : ModelMetadata.INT8_WEIGHTS;
    }

    /** Why the weights are float32, or empty when they are integers. */
    Optional<String> note() {
        return Optional.ofNullable(note);
    }

    /** The layers the quantizer wraps. */
    Set<String> layers() {
        return wrappers.keySet();
    }

    /**
     * The integers, scale and zero point of {@code layer}'s weight ({@code <layer>.weight}, {@code .weight_scale},
     * {@code .weight_zero_point}), or empty when its weight is exported as float32.
     */
    Optional<List<Tensor>> integerWeight(String layer) {
        Tensor q = integers.get(layer + ".weight");
        Tensor scale = integers.get(layer + "." + IntegerWeights.WEIGHT_SCALE);
        if (q == null || scale == null) {
            return Optional.empty();
        }
        return Optional.of(List.of(q, scale, integers.get(layer + "." + IntegerWeights.WEIGHT_ZERO_POINT)));
    }

    /** The value of state-dict entry {@code key} when the quantizer replaced it (fake-quantized weights, folded biases). */
    Optional<Tensor> replaced(String key) {
        Tensor fq = fakeQuant.get(key);
        return fq != null && fq != live.get(key) ? Optional.of(fq) : Optional.empty();
    }

    /** The grid of {@code layer}'s input or output, or empty when not quantized (or BNN's sign). */
    Optional<QParams> activation(String layer, QuantType type) {
        ModuleWrapper w = wrappers.get(layer);
        if (w == null || signOutput(layer) && type == QuantType.OUTPUT) {
            return Optional.empty();
        }
        try {
            return quantizer.activationQParams(layer, type);
        } catch (UnsupportedOperationException e) {
            throw new OnnxExportException(layer + " (" + w.type() + "): its " + type.key() + " quantization has no ONNX"
                    + " form: " + e.getMessage(), e);
        }
    }

    /** Whether {@code layer}'s output is BNN's {@code sign(y)} (+1 for 0). */
    boolean signOutput(String layer) {
        ModuleWrapper w = wrappers.get(layer);
        return quantizer instanceof BnnQuantizer && w != null && QuantConfig.types(w.config()).contains(QuantType.OUTPUT);
    }

    /** Whether batch norm {@code name} is folded into a convolution (a pass-through in the quantized forward). */
    boolean isFoldedBatchNorm(String name) {
        return foldedBatchNorms.containsKey(name);
    }

    /**
     * The bias a convolution folded with a batch norm adds, or empty for other layers: QAT's fake-quant state dict
     * keeps it in the convolution's bias, or (a bias-free convolution) in the batch norm's β, or (no affine
     * parameters) as the batch norm's negated running mean.
     */
    Optional<Tensor> foldedBias(String conv, Module convModule) {
        String bn = null;
        for (Map.Entry<String, String> e : foldedBatchNorms.entrySet()) {
            if (e.getValue().equals(conv)) {
                bn = e.getKey();
            }
        }
        if (bn == null) {
            return Optional.empty();
        }
        if (convModule.getParameter("bias") != null) {
            return Optional.of(fakeQuant.get(conv + ".bias"));
        }
        BatchNorm norm = (BatchNorm) quantizer.model().getSubmodule(bn);
        return Optional.of(norm.affine() ? fakeQuant.get(bn + ".bias") : fakeQuant.get(bn + ".running_mean").neg());
    }

    /** The layers whose forward hooks the quantizer installed (its wrapped layers and folded batch norms). */
    List<String> hookedLayers() {
        List<String> out = new ArrayList<>(wrappers.keySet());
        out.addAll(foldedBatchNorms.keySet());
        return out;
    }
}
