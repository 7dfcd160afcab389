package dev.shrink4j.quant.algo;

import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.SimpleCompressorBuilder;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.compress.config.ConfigSchema;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.optim.Optimizer;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.quant.core.Ste;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Binarized neural networks (Courbariaux et al., <a href="https://arxiv.org/abs/1602.02830">BNN</a>;
 * NNI's {@code BNNQuantizer}). Weights and outputs become {@code sign(x)} with {@code sign(0) = +1}:
 * <ul>
 *   <li>weight: value {@code sign(w)}, gradient passed to the stored full-precision weight unchanged
 *       (straight through);</li>
 *   <li>output: value {@code sign(y)}, gradient passed where {@code |y| ≤ 1} and zeroed where
 *       {@code |y| > 1} (NNI's {@code ClipGrad}: the hard-tanh STE).</li>
 * </ul>
 * Config: {@code quant_types} from {@code weight}, {@code output}; {@code quant_bits} is required (as
 * in NNI) but the values are always binary, so calibration and integer export report 1 bit. For
 * {@link #exportInt8} the weights are int8 {@code ±1} with scale 1 and zero point 0.
 */
public final class BnnQuantizer extends Quantizer {

    /** @param optimizer may be null: BNN keeps no per-step state */
    public BnnQuantizer(Module model, ConfigList configList, Optimizer optimizer) {
        super(model, configList, optimizer);
    }

    @Override
    protected ConfigSchema configSchema() {
        return typesAndBitsSchemaBuilder("weight", "output").build();
    }

    @Override
    public Tensor quantizeWeight(Tensor weight, ModuleWrapper wrapper) {
        return Ste.straightThrough(weight, binarize(weight));
    }

    @Override
    public Tensor quantizeOutput(Tensor output, ModuleWrapper wrapper) {
        Tensor pass = output.abs().le(new Scalar(1.0)).to(output.scalar_type());
        return Ste.masked(output, binarize(output), pass);
    }

    /** {@code sign(x)} with zeros mapped to +1: +1 where {@code x ≥ 0}, −1 elsewhere. */
    static Tensor binarize(Tensor x) {
        Tensor nonNegative = x.detach().ge(new Scalar(0.0)).to(x.scalar_type());
        return nonNegative.mul(new Scalar(2.0)).sub(new Scalar(1.0));
    }

    /** Binary values are one bit, whatever {@code quant_bits} says (NNI records {@code weight_bits = 1}). */
    @Override
    protected int exportedBits(ModuleWrapper wrapper, QuantType type) {
        return 1;
    }

    /** {@code ±1} as int8 on the grid {@code [−1, 1]} with scale 1 and zero point 0. */
    @Override
    protected QParams integerGrid(ModuleWrapper wrapper) {
        return new QParams(Tensor.create(new float[] {1f}, 1).squeeze(), Tensor.create(new float[] {0f}, 1).squeeze(), -1, 1);
    }

    /** Always throws: outputs are {@code sign(y)}, two levels that no affine grid of zero point 0 holds exactly. */
    @Override
    protected QParams activationGrid(ModuleWrapper wrapper, QuantType type) {
        throw new UnsupportedOperationException("BnnQuantizer's " + type.key() + " of " + wrapper.name()
                + " is sign(y) in {-1, +1} (sign(0) = +1), not an affine integer grid");
    }

    /** A builder: {@code setModel}, {@code setConfigList} required, {@code optOptimizer} optional. */
    public static SimpleCompressorBuilder<BnnQuantizer> builder() {
        return new SimpleCompressorBuilder<>("BnnQuantizer", BnnQuantizer::new);
    }
}
