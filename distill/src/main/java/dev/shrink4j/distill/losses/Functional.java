package dev.shrink4j.distill.losses;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The few {@code torch.nn.functional} pieces the losses share, written with libtorch's ops. */
final class Functional {

    /** {@code F.normalize}'s default epsilon. */
    static final double NORMALIZE_EPS = 1e-12;

    private Functional() {
    }

    /** A scalar operand in the other operand's dtype. */
    static Scalar scalar(double v) {
        return new Scalar(v);
    }

    /** {@code F.normalize(x, p=2, dim)}: {@code x / max(‖x‖₂ along dim, 1e-12)}. */
    static Tensor normalize(Tensor x, long dim) {
        return x.div(x.norm(new ScalarOptional(new Scalar(2.0)), new long[] {dim}, true).clamp_min(new Scalar(NORMALIZE_EPS)));
    }

    /** Each sample flattened to a row: {@code x.view(N, -1)} (a reshape, so non-contiguous inputs work too). */
    static Tensor rows(Tensor x) {
        return x.reshape(x.size(0), -1);
    }

    /** {@code x.mean(dim, keepdim=True)}. */
    static Tensor meanKeepDim(Tensor x, long dim) {
        return x.mean(new long[] {dim}, true, new ScalarTypeOptional());
    }

    /** {@code x.sum(dim, keepdim=True)}. */
    static Tensor sumKeepDim(Tensor x, long dim) {
        return x.sum(new long[] {dim}, true, new ScalarTypeOptional());
    }

    /**
     * The pointwise KL divergence {@code F.kl_div(logP, q, reduction="none")}: {@code q·(log q − logP)},
     * 0 where {@code q} is 0.
     */
    static Tensor klPointwise(Tensor logP, Tensor q) {
        return torch.kl_div(logP, q, 0 /* at::Reduction::None */, false);
    }

    /** {@code F.log_softmax(x / tau, dim=1)}. */
    static Tensor logSoftmax(Tensor x, double tau) {
        return torch.log_softmax(x.div(scalar(tau)), 1);
    }

    /** {@code F.softmax(x / tau, dim=1)}. */
    static Tensor softmax(Tensor x, double tau) {
        return torch.softmax(x.div(scalar(tau)), 1);
    }
}
