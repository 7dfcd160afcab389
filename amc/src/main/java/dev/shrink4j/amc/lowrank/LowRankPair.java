package dev.shrink4j.amc.lowrank;

import dev.shrink4j.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A layer replaced by two ({@link LowRankConv2d}, {@link LowRankLinear}): children {@code "0"} and {@code "1"}, run
 * in order, as PyTorch's {@code nn.Sequential} at the same place. The children live only in the module tree, so the
 * tree is the one truth a state dict, a tracer or a surgery sees.
 */
public interface LowRankPair {

    /** The rank: the channels or features between the two layers. */
    long rank();

    /** The first layer (child {@code "0"}): to {@link #rank()} outputs, without bias. */
    default Module first() {
        return ((Module) this).getSubmodule("0");
    }

    /** The second layer (child {@code "1"}): back to the original outputs, with the bias. */
    default Module second() {
        return ((Module) this).getSubmodule("1");
    }

    /** Runs the first layer, then the second. */
    default Tensor callPair(Tensor input) {
        return second().call(first().call(input));
    }

    /** A description in PyTorch's words ({@code Sequential(0: …, 1: …)}). */
    default String describePair() {
        return "Sequential(0: " + first() + ", 1: " + second() + ")";
    }
}
