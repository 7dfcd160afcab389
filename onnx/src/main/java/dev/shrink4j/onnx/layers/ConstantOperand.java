package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * The sum or product of a tensor with a fixed tensor (ONNX {@code Add}/{@code Mul} with an initializer or a
 * {@code Constant}), broadcast as NumPy does. The fixed tensor is a non-persistent buffer {@code constant}: it is
 * part of the model, not of its state dict (PyTorch's exporter makes such values out of Python constants).
 */
public class ConstantOperand extends Module implements ChannelwiseLayer {

    private final Elementwise.Op op;
    private final Tensor constant;

    /**
     * @param op       sum or product
     * @param constant the fixed operand (copied)
     */
    public ConstantOperand(Elementwise.Op op, Tensor constant) {
        this.op = Objects.requireNonNull(op, "op");
        this.constant = registerBuffer("constant", constant.detach().clone(), false);
    }

    @Override
    protected Tensor forward(Tensor input) {
        return op == Elementwise.Op.ADD ? input.add(constant) : input.mul(constant);
    }

    /** The operation. */
    public Elementwise.Op op() {
        return op;
    }

    /** The fixed operand (the live buffer). */
    public Tensor constant() {
        return constant;
    }

    @Override
    public String toString() {
        return "ConstantOperand(" + op.onnxName() + ", shape=" + Arrays.toString(constant.shape()) + ")";
    }

    /** When the fixed operand is one value for every channel: removing channels cannot slice a per-channel one. */
    @Override
    public boolean preservesChannels() {
        return constant.numel() == 1;
    }
}
