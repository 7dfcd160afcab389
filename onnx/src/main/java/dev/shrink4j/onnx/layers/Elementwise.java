package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.layers.Merge;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The sum or product of two tensors with NumPy broadcasting (ONNX {@code Add}/{@code Mul} of two computed
 * values), as a module so the graph tracer sees it: a squeeze-and-excitation gate {@code x · s} with
 * {@code s} of shape {@code [N, C, 1, 1]}, or a sum of two different shapes. A residual sum of two equal shapes
 * is imported as {@link dev.shrink4j.nn.layers.Add} instead, which the channel analysis knows.
 */
public class Elementwise extends Merge implements ChannelwiseLayer {

    /** The operation. */
    public enum Op {
        /** {@code a + b}. */
        ADD("Add"),
        /** {@code a · b}. */
        MUL("Mul");

        private final String onnxName;

        Op(String onnxName) {
            this.onnxName = onnxName;
        }

        /** The ONNX operator's name. */
        public String onnxName() {
            return onnxName;
        }
    }

    private final Op op;

    /** A two-input sum or product. */
    public Elementwise(Op op) {
        super(2, 2);
        this.op = java.util.Objects.requireNonNull(op, "op");
    }

    /** {@code operands[0] op operands[1]}, through the hooks. */
    public Tensor call(Tensor... operands) {
        return callAll(operands);
    }

    @Override
    protected Tensor merge(List<Tensor> inputs) {
        return op == Op.ADD ? inputs.get(0).add(inputs.get(1)) : inputs.get(0).mul(inputs.get(1));
    }

    /** The operation. */
    public Op op() {
        return op;
    }

    @Override
    public String toString() {
        return "Elementwise(" + op.onnxName() + ")";
    }

    /**
     * Always: channel {@code c} of each operand meets channel {@code c} of the other (the channel analysis pins an
     * operand that broadcasts along the channels, whose width differs).
     */
    @Override
    public boolean preservesChannels() {
        return true;
    }
}
