package dev.shrink4j.nn.optim;

import org.bytedeco.pytorch.Tensor;

/** Shared helpers: float64 leaf parameters and gradients set through autograd. */
final class OptimTesting {

    private OptimTesting() {
    }

    /** A float64 leaf tensor that requires grad, so references in double arithmetic match to ~1e-15. */
    static Tensor param(double... values) {
        return Tensor.create(values).requires_grad_(true);
    }

    /** Reads a tensor's values. */
    static double[] values(Tensor t) {
        Tensor c = t.detach().contiguous();
        double[] out = new double[(int) c.numel()];
        c.data_ptr_double().get(out);
        return out;
    }

    /** Sets {@code p.grad} to exactly {@code g} (zeroing any previous gradient) via {@code (p·g).sum().backward()}. */
    static void setGrad(Tensor p, double... g) {
        Tensor grad = p.grad();
        if (grad.defined()) {
            grad.zero_();
        }
        p.mul(Tensor.create(g)).sum().backward();
    }

    /** Sets {@code p.grad} to {@code 2p}, the gradient of {@code sum(p²)}. */
    static double[] setGradOfSumOfSquares(Tensor p) {
        double[] v = values(p);
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            g[i] = 2 * v[i];
        }
        setGrad(p, g);
        return g;
    }
}
