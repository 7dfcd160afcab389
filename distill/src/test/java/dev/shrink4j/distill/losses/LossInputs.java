package dev.shrink4j.distill.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The float64 inputs of the loss tests, exactly those of {@code samples/python/distill_reference.py}
 * (issue 15's golden inputs), and the check of a value and its gradient against what that script printed.
 */
final class LossInputs {

    /** Relative and absolute tolerance: float64 against float64, up to the order of operations. */
    static final double TOLERANCE = 1e-12;

    private LossInputs() {
    }

    private static Tensor arange(long n) {
        return torch.arange(new Scalar(n), new TensorOptions(torch.ScalarType.Double));
    }

    /** Python's {@code (a % m)} for the non-negative arange forms. */
    private static Tensor mod(Tensor a, double m) {
        return a.remainder(new Scalar(m));
    }

    /** Student logits: {@code ((arange(24)*7) % 11).reshape(4,6)/2 − 2.5}. */
    static Tensor studentLogits() {
        return mod(arange(24).mul(new Scalar(7.0)), 11).reshape(4, 6).div(new Scalar(2.0)).sub(new Scalar(2.5));
    }

    /** Teacher logits: {@code ((arange(24)*5+3) % 13).reshape(4,6)/2 − 3.0}. */
    static Tensor teacherLogits() {
        return mod(arange(24).mul(new Scalar(5.0)).add(new Scalar(3.0)), 13).reshape(4, 6).div(new Scalar(2.0)).sub(new Scalar(3.0));
    }

    /** Student feature map [2,3,4,4]: {@code ((arange(96)*7) % 11)/4 − 1.25}. */
    static Tensor studentFeature() {
        return mod(arange(96).mul(new Scalar(7.0)), 11).div(new Scalar(4.0)).sub(new Scalar(1.25)).reshape(2, 3, 4, 4);
    }

    /** Teacher feature map [2,3,4,4]: {@code ((arange(96)*5+3) % 13)/4 − 1.5}. */
    static Tensor teacherFeature() {
        return mod(arange(96).mul(new Scalar(5.0)).add(new Scalar(3.0)), 13).div(new Scalar(4.0)).sub(new Scalar(1.5)).reshape(2, 3, 4, 4);
    }

    /** The class of each of the 4 logit rows: {@code [1, 4, 0, 5]}. */
    static Tensor labels() {
        return Tensor.create(new long[] {1, 4, 0, 5}, 4);
    }

    /** What the reference script printed for one case. */
    record Expected(double value, double gradFirst, double gradLast, double gradNorm) {
    }

    /**
     * Runs {@code loss} on {@code inputs} (the student's, or with {@code wrt} the named argument's, tensor
     * requiring gradients), and checks the value, the gradient's first and last element and its L2 norm;
     * a failure names {@code what} (the case).
     */
    static void check(String what, DistillLoss loss, Map<String, Tensor> inputs, String wrt, Expected expected) {
        Map<String, Tensor> in = new LinkedHashMap<>(inputs);
        Tensor x = in.get(wrt).clone().requires_grad_(true);
        in.put(wrt, x);
        Tensor value = loss.forward(in);
        assertEquals(0, value.dim(), what + ": returns a scalar");
        close(expected.value(), value.item_double(), what + ": value");
        value.backward();
        Tensor g = x.grad().flatten();
        close(expected.gradFirst(), g.get(0).item_double(), what + ": gradient at the first element");
        close(expected.gradLast(), g.get(g.numel() - 1).item_double(), what + ": gradient at the last element");
        close(expected.gradNorm(), g.norm().item_double(), what + ": gradient norm");
    }

    /** {@code |expected − actual| <= 1e-12 · max(1, |expected|)}. */
    static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, TOLERANCE * Math.max(1.0, Math.abs(expected)), what);
    }

    /** {@code {a: s, b: t}} in that order. */
    static Map<String, Tensor> args(String a, Tensor s, String b, Tensor t) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(a, s);
        m.put(b, t);
        return m;
    }

    /** {@code {a: s, b: t, gt_labels: labels}}. */
    static Map<String, Tensor> args(String a, Tensor s, String b, Tensor t, Tensor labels) {
        Map<String, Tensor> m = args(a, s, b, t);
        m.put("gt_labels", labels);
        return m;
    }
}
