package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.Module;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.pytorch.Tensor;

/**
 * A tensor combined with a fixed tensor (ONNX {@code Add}, {@code Sub}, {@code Mul} or {@code Div} with an initializer
 * or a {@code Constant}, on either side), broadcast as NumPy does: an input normalisation {@code (x − mean) / std}
 * inside a model, a scale. The fixed tensor is a non-persistent buffer {@code constant}: it is
 * part of the model, not of its state dict (PyTorch's exporter makes such values out of Python constants).
 */
public class ConstantOperand extends Module implements ChannelwiseLayer {

    private final Elementwise.Op op;
    private final Tensor constant;
    private final boolean constantFirst;

    /** {@code x op constant}. */
    public ConstantOperand(Elementwise.Op op, Tensor constant) {
        this(op, constant, false);
    }

    /**
     * @param op            the operation
     * @param constant      the fixed operand (copied)
     * @param constantFirst whether the constant is the left operand ({@code constant − x}, {@code constant / x})
     */
    public ConstantOperand(Elementwise.Op op, Tensor constant, boolean constantFirst) {
        this.op = Objects.requireNonNull(op, "op");
        this.constant = registerBuffer("constant", constant.detach().clone(), false);
        this.constantFirst = constantFirst;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return constantFirst ? op.apply(constant, input) : op.apply(input, constant);
    }

    /** Whether the constant is the left operand. */
    public boolean constantFirst() {
        return constantFirst;
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
        return "ConstantOperand(" + op.onnxName() + ", shape=" + Arrays.toString(constant.shape())
                + (constantFirst ? ", constant first" : "") + ")";
    }

    /** When the fixed operand is one value for every channel: removing channels cannot slice a per-channel one. */
    @Override
    public boolean preservesChannels() {
        return constant.numel() == 1;
    }
}
