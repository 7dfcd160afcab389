package dev.shrink4j.distributed;

import org.bytedeco.pytorch.ReduceOp;

/**
 * How an all-reduce combines the ranks' tensors, element by element. {@link #AVG} is a sum divided by
 * the world size (Gloo has no average), so it needs a floating-point tensor.
 */
public enum Reduction {
    /** The sum over all ranks. */
    SUM(ReduceOp.RedOpType.SUM),
    /** The sum over all ranks divided by the world size. */
    AVG(ReduceOp.RedOpType.SUM),
    /** The smallest value of any rank. */
    MIN(ReduceOp.RedOpType.MIN),
    /** The largest value of any rank. */
    MAX(ReduceOp.RedOpType.MAX);

    private final ReduceOp.RedOpType op;

    Reduction(ReduceOp.RedOpType op) {
        this.op = op;
    }

    /** The Gloo operation that computes it (AVG: SUM, then a division). */
    ReduceOp.RedOpType op() {
        return op;
    }
}
