package dev.shrink4j.onnx.layers;

import dev.shrink4j.nn.ChannelwiseLayer;
import dev.shrink4j.nn.layers.Merge;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The sum, difference, product or quotient of two tensors with NumPy broadcasting (ONNX {@code Add}, {@code Sub},
 * {@code Mul}, {@code Div} of two computed values), as a module so the graph tracer sees it: a squeeze-and-excitation gate {@code x · s} with
 * {@code s} of shape {@code [N, C, 1, 1]}, or a sum of two different shapes. A residual sum of two equal shapes
 * is imported as {@link dev.shrink4j.nn.layers.Add} instead, which the channel analysis knows.
 */
public class Elementwise extends Merge implements ChannelwiseLayer {

    /** The operation. */
    public enum Op {
        /** {@code a + b}. */
        ADD("Add"),
        /** {@code a − b}. */
        SUB("Sub"),
        /** {@code a · b}. */
        MUL("Mul"),
        /** {@code a / b}. */
        DIV("Div");

        private final String onnxName;

        Op(String onnxName) {
            this.onnxName = onnxName;
        }

        /** The ONNX operator's name. */
        public String onnxName() {
            return onnxName;
        }

        /** {@code a op b}, broadcast as NumPy does. */
        public Tensor apply(Tensor a, Tensor b) {
            return switch (this) {
                case ADD -> a.add(b);
                case SUB -> a.sub(b);
                case MUL -> a.mul(b);
                case DIV -> a.div(b);
            };
        }
    }

    private final Op op;

    /** A two-input operation. */
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
        return op.apply(inputs.get(0), inputs.get(1));
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
