package dev.shrink4j.nn;

import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The checks every path that brings tensors in from outside (weights, masks, checkpoints, observed
 * ranges) applies, with the words its error messages use: PyTorch's dtype names, the count and first
 * position of offending values. Each check returns {@code null} when the tensor passes and a short
 * description of the problem otherwise, so that callers can collect all problems of a file before
 * throwing. Temporaries live in a scope of their own; the tensor checked is not modified.
 */
public final class TensorChecks {

    /** PyTorch's names of the scalar types shrink4j reads and writes; others are named as libtorch names them. */
    private static final Map<torch.ScalarType, String> DTYPE_NAMES = Map.of(
            torch.ScalarType.Float, "float32", torch.ScalarType.Double, "float64", torch.ScalarType.Half, "float16",
            torch.ScalarType.BFloat16, "bfloat16", torch.ScalarType.Long, "int64", torch.ScalarType.Int, "int32",
            torch.ScalarType.Short, "int16", torch.ScalarType.Char, "int8", torch.ScalarType.Byte, "uint8",
            torch.ScalarType.Bool, "bool");

    private TensorChecks() {
    }

    /** PyTorch's name of a tensor's dtype: {@code float32}, {@code int64}, {@code bool}, … */
    public static String dtypeName(Tensor t) {
        return dtypeName(t.scalar_type());
    }

    /** PyTorch's name of a libtorch scalar type: {@code float32}, {@code int64}, {@code bool}, … */
    public static String dtypeName(torch.ScalarType type) {
        torch.ScalarType t = type.intern();
        return DTYPE_NAMES.getOrDefault(t, t.toString());
    }

    /**
     * {@code null} when {@code source} has {@code target}'s dtype, else {@code "<source dtype> where
     * <target dtype> is expected"}-style text: {@code "checkpoint has float64, the model has float32"}
     * with {@code sourceName = "checkpoint"}, {@code targetName = "the model"}.
     */
    public static String dtypeMismatch(Tensor source, String sourceName, Tensor target, String targetName) {
        if (source.scalar_type().intern() == target.scalar_type().intern()) {
            return null;
        }
        return sourceName + " has " + dtypeName(source) + ", " + targetName + " has " + dtypeName(target);
    }

    /**
     * {@code null} when every element of {@code t} is finite (always for integer and bool tensors),
     * else e.g. {@code "2 NaN and 1 infinite of 48000 values (the first, element 17, is NaN)"}; the
     * element index counts in row-major order.
     */
    public static String nonFinite(Tensor t) {
        if (!t.is_floating_point()) {
            return null;
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor flat = t.detach().flatten();
            Tensor bad = flat.isfinite().logical_not();
            if (!bad.any().item_bool()) {
                return null;
            }
            long nan = flat.isnan().sum().item_long();
            long inf = flat.isinf().sum().item_long();
            long first = bad.nonzero().get(0).item_long();
            double value = flat.get(first).item_double();
            StringBuilder sb = new StringBuilder();
            if (nan > 0) {
                sb.append(nan).append(" NaN");
            }
            if (inf > 0) {
                sb.append(nan > 0 ? " and " : "").append(inf).append(" infinite");
            }
            return sb.append(" of ").append(flat.numel()).append(" values (the first, element ").append(first)
                    .append(", is ").append(number(value)).append(')').toString();
        }
    }

    /**
     * {@code null} when every element of {@code t} is 0 or 1 (what a pruning mask may hold), else e.g.
     * {@code "element 5 is 0.5 (3 of 48000 values are neither 0 nor 1)"}.
     */
    public static String nonBinary(Tensor t) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor flat = t.detach().flatten();
            if (flat.scalar_type().intern() == torch.ScalarType.Bool) {
                return null;
            }
            // NaN compares unequal to both, so it is reported too.
            Tensor bad = flat.ne(new Scalar(0)).logical_and(flat.ne(new Scalar(1)));
            long count = bad.sum().item_long();
            if (count == 0) {
                return null;
            }
            long first = bad.nonzero().get(0).item_long();
            Tensor value = flat.get(first);
            String text = t.is_floating_point() ? number(value.item_double()) : Long.toString(value.item_long());
            return "element " + first + " is " + text + " (" + count + " of " + flat.numel()
                    + " values are neither 0 nor 1)";
        }
    }

    /** A number as Java prints it, with NaN and the infinities spelled as PyTorch prints them. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.1f", v) : Double.toString(v);
    }
}
