package dev.shrink4j.search.env;

/**
 * One {@code Conv2d} or {@code Linear} of the model as {@link ChannelPruningEnv} counts it: its shape, its
 * multiply-accumulates at full width, and which channel groups its input and output units belong to.
 *
 * <p>FLOPs with {@code kIn} of {@code inUnits} input units and {@code kOut} of {@code outUnits} outputs kept:
 * {@code spatial × kOut × (depthwise ? kernelArea : kIn / groups × kernelArea) + (bias ? spatial × kOut : 0)},
 * which at full width is exactly what {@code ModelProfiler} counts for the layer.
 *
 * @param name       dotted module name
 * @param linear     a {@code Linear} (type 1 in the state) rather than a {@code Conv2d} (type 0)
 * @param depthwise  a depthwise convolution (follows its input; never an agent step)
 * @param inUnits    input channels (a Linear's in_features)
 * @param outUnits   output channels (out_features)
 * @param groups     convolution groups (1 for a Linear)
 * @param stride     the convolution's stride along H (0 for a Linear, as in mit-han-lab/amc)
 * @param kernelArea kH × kW (1 for a Linear)
 * @param spatial    output positions per channel, H_out × W_out (1 for a Linear)
 * @param bias       whether the layer has a bias
 * @param weightCount scalars in the weight
 * @param inGroup    index into the environment's groups of the input units' group, −1 when pinned/unprunable
 * @param outGroup   index of the output units' group, −1 when pinned/unprunable
 */
public record PrunableLayer(String name, boolean linear, boolean depthwise, long inUnits, long outUnits, long groups,
        long stride, long kernelArea, long spatial, boolean bias, long weightCount, int inGroup, int outGroup) {

    /** FLOPs with {@code kIn} input and {@code kOut} output units kept. */
    public long flops(long kIn, long kOut) {
        long perOut = depthwise ? kernelArea : kIn / groups * kernelArea;
        return spatial * kOut * perOut + (bias ? spatial * kOut : 0);
    }

    /** FLOPs at full width. */
    public long fullFlops() {
        return flops(inUnits, outUnits);
    }
}
