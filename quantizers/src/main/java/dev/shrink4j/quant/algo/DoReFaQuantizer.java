package dev.shrink4j.quant.algo;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.SimpleCompressorBuilder;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.core.Ste;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * DoReFa weight quantization (Zhou et al., <a href="https://arxiv.org/abs/1606.06160">DoReFa-Net</a>;
 * NNI's {@code DoReFaQuantizer}). With {@code k = quant_bits} and {@code K = 2^k − 1}, forward computes
 * with, in float32 and in this order,
 * <pre>
 * t   = tanh(w)
 * t   = t / (2·max|t|) + 0.5            (in [0, 1])
 * q   = round(t·K) / K                  (round half to even, as torch.round)
 * w_q = 2·q − 1                         (in [−1, 1], K + 1 levels)
 * </pre>
 * A weight tensor that is all zeros has {@code max|t| = 0}; NNI divides by it and gets NaN, here the
 * maximum is taken as 1 so {@code t = 0.5} everywhere.
 *
 * <p>Gradient: straight through ({@code ∂w_q/∂w = 1}), as NNI computes it: its
 * {@code quantize_weight} runs inside {@code QuantGrad.forward}, whose default backward passes the
 * gradient to the stored weight unchanged. The stored weight stays full precision and is what the
 * optimizer updates.
 *
 * <p>Config: {@code quant_types} may only be {@code ["weight"]}; {@code quant_bits} is {@code k}.
 * {@link #exportInt8} is not supported: the levels {@code 2·r/K − 1} are not float32 multiples of
 * one scale ({@code 2·(1/3) − 1 ≠ −1·fl(1/3)}), so dequantized integers could not reproduce the
 * fake-quantized weights bit-exactly; use {@link #exportFakeQuant}.
 */
public final class DoReFaQuantizer extends Quantizer {

    /** @param optimizer may be null: DoReFa keeps no per-step state */
    public DoReFaQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    @Override
    protected ConfigSchema configSchema() {
        return typesAndBitsSchemaBuilder("weight").build();
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        return Ste.straightThrough(weight, quantize(weight, QuantConfig.bits(wrapper.config(), QuantType.WEIGHT)));
    }

    /** The DoReFa value of {@code w} for {@code bits} (no gradient). */
    static Tensor quantize(Tensor w, int bits) {
        double levels = Math.pow(2, bits) - 1;
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor t = w.detach().tanh();
            Tensor max = t.abs().max();
            max = torch.where(max.eq(new Scalar(0.0)), new Scalar(1.0), max);
            t = t.div(max.mul(new Scalar(2.0))).add(new Scalar(0.5));
            Tensor q = t.mul(new Scalar(levels)).round().div(new Scalar(levels));
            return q.mul(new Scalar(2.0)).sub(new Scalar(1.0));
        }
    }

    /** Always throws: DoReFa levels have no exact integer grid (see the class documentation). */
    @Override
    protected QParams integerGrid(ModuleWrapper wrapper) {
        throw new UnsupportedOperationException("DoReFaQuantizer cannot export integer weights for " + wrapper.name()
                + ": its levels 2·r/K − 1 are not float32 multiples of one scale, so dequantized integers would not"
                + " reproduce the fake-quantized weights bit-exactly; use exportFakeQuant");
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optOptimizer} optional. */
    public static SimpleCompressorBuilder<DoReFaQuantizer> builder() {
        return new SimpleCompressorBuilder<>("DoReFaQuantizer", DoReFaQuantizer::new);
    }
}
