package dev.shrink4j.quant.export;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.nn.TensorChecks;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Loading a calibration config in two phases, so that a bad file changes nothing: every layer's
 * values are checked and the in-place copies they imply are staged ({@link #set}); the copies run in
 * {@link #apply()} only when no layer reported a problem. Problems read
 * {@code <layer>.<key>: <what is wrong>}.
 */
public final class CalibrationRestore {

    private record Staged(Tensor target, double[] values) {
    }

    private final List<String> problems = new ArrayList<>();
    private final List<Staged> staged = new ArrayList<>();
    private final List<Runnable> afterApply = new ArrayList<>();

    /** Records a problem with {@code key} of {@code layer}. */
    public void problem(String layer, String key, String message) {
        problems.add(layer + "." + key + ": " + message);
    }

    /** Records a problem that concerns a whole layer (or the file). */
    public void problem(String message) {
        problems.add(message);
    }

    /** The problems found so far. */
    public List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    /**
     * The numbers of a value: a number, or a non-empty array of numbers; null (with a problem recorded)
     * otherwise.
     */
    public double[] numbers(String layer, String key, JsonElement value) {
        if (isNumber(value)) {
            return new double[] {value.getAsDouble()};
        }
        if (value.isJsonArray() && !value.getAsJsonArray().isEmpty()) {
            double[] out = new double[value.getAsJsonArray().size()];
            int i = 0;
            for (JsonElement e : value.getAsJsonArray()) {
                if (!isNumber(e)) {
                    problem(layer, key, "element " + i + " is " + e + ", not a number");
                    return null;
                }
                out[i++] = e.getAsDouble();
            }
            return out;
        }
        problem(layer, key, "expected a number or a non-empty array of numbers, got " + value);
        return null;
    }

    /** One number; null (with a problem recorded) when the value is not a single number. */
    public Double number(String layer, String key, JsonElement value) {
        if (isNumber(value)) {
            return value.getAsDouble();
        }
        problem(layer, key, "expected a number, got " + value);
        return null;
    }

    private static boolean isNumber(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
    }

    /**
     * Stages copying {@code values} into {@code target} (in place, in its shape); records a problem
     * instead when the counts differ, or when a value is not finite or is one {@code target}'s dtype
     * cannot hold: beyond its range (float32: ±3.4e38, which a cast would turn into infinity) or, for
     * an integer dtype, not a whole number. Within range, a float value is rounded to the nearest one
     * the dtype holds (a value written from that dtype comes back exactly).
     */
    public void set(String layer, String key, Tensor target, double[] values) {
        if (values.length != target.numel()) {
            problem(layer, key, values.length + " value(s) for a tensor of " + target.numel());
            return;
        }
        for (int i = 0; i < values.length; i++) {
            String wrong = unrepresentable(values[i], target);
            if (wrong != null) {
                problem(layer, key, (values.length == 1 ? "value " + values[i] : "element " + i + " (" + values[i] + ")")
                        + " " + wrong);
                return;
            }
        }
        staged.add(new Staged(target, values.clone()));
    }

    /** Why {@code target}'s dtype cannot hold {@code v} as it is, or null when it can. */
    private static String unrepresentable(double v, Tensor target) {
        if (!Double.isFinite(v)) {
            return "is not finite";
        }
        torch.ScalarType type = target.scalar_type().intern();
        String name = TensorChecks.dtypeName(type);
        double max;
        if (type == torch.ScalarType.Double) {
            return null;
        } else if (type == torch.ScalarType.Float) {
            max = Float.MAX_VALUE;
        } else if (type == torch.ScalarType.Half) {
            max = 65504;
        } else if (type == torch.ScalarType.BFloat16) {
            max = 3.3895313892515355e38;
        } else if (type == torch.ScalarType.Long || type == torch.ScalarType.Int || type == torch.ScalarType.Short
                || type == torch.ScalarType.Char || type == torch.ScalarType.Byte) {
            if (v != Math.rint(v)) {
                return "is not a whole number, and the buffer is " + name;
            }
            long bits = type == torch.ScalarType.Long ? 64 : type == torch.ScalarType.Int ? 32
                    : type == torch.ScalarType.Short ? 16 : 8;
            double lo = type == torch.ScalarType.Byte ? 0 : -Math.pow(2, bits - 1);
            double hi = type == torch.ScalarType.Byte ? 255 : Math.pow(2, bits - 1) - 1;
            return v >= lo && v <= hi ? null : "is outside the range of " + name + " [" + (long) lo + ", " + (long) hi + "]";
        } else {
            return "cannot be restored into a buffer of " + name;
        }
        return Math.abs(v) <= max ? null : "is beyond the range of " + name + " (±" + max + ")";
    }

    /**
     * Stages an action that runs in {@link #apply()} after the copies (e.g. marking a lazily
     * initialised value as set, so the next forward keeps the restored one).
     */
    public void onApply(Runnable action) {
        afterApply.add(action);
    }

    /**
     * The default restore of one layer: each {@code <type>_bits} must name one of the layer's quant
     * types and equal {@code bits} of it; each key of {@link CalibrationKeys#TENSOR_KEYS} is copied
     * into the wrapper buffer of that name, which must exist with as many values. Any other key is a
     * problem.
     */
    public void restoreBuffers(ModuleWrapper wrapper, JsonObject values, ToIntFunction<QuantType> bits) {
        String layer = wrapper.name();
        Set<QuantType> types = QuantConfig.types(wrapper.config());
        for (Map.Entry<String, JsonElement> e : values.entrySet()) {
            String key = e.getKey();
            QuantType bitsOf = bitsType(key);
            if (bitsOf != null) {
                if (!types.contains(bitsOf)) {
                    problem(layer, key, layer + " does not quantize its " + bitsOf.key() + " (quant_types: "
                            + types.stream().map(QuantType::key).toList() + ")");
                    continue;
                }
                JsonElement v = e.getValue();
                int expected = bits.applyAsInt(bitsOf);
                if (!isNumber(v) || v.getAsDouble() != expected) {
                    problem(layer, key, "the file says " + v + ", the layer quantizes with " + expected + " bits");
                }
            } else if (CalibrationKeys.TENSOR_KEYS.contains(key)) {
                if (!wrapper.hasBuffer(key)) {
                    problem(layer, key, "the quantizer keeps no " + key + " for " + layer + " (its values: "
                            + wrapper.buffers().keySet() + ")");
                    continue;
                }
                double[] v = numbers(layer, key, e.getValue());
                if (v != null) {
                    set(layer, key, wrapper.getBuffer(key), v);
                }
            } else {
                problem(layer, key, "unknown calibration key; known keys: " + CalibrationConfig.KEY_ORDER);
            }
        }
    }

    private static QuantType bitsType(String key) {
        for (QuantType t : QuantType.values()) {
            if (CalibrationConfig.bitsKey(t).equals(key)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Runs the staged copies, then the staged actions.
     *
     * @throws IllegalStateException listing the problems, when there are any (nothing is copied then)
     */
    public void apply() {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("calibration config has " + problems.size() + " problem(s):\n  "
                    + String.join("\n  ", problems));
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (Staged s : staged) {
                Tensor source = Tensor.create(s.values(), s.values().length).reshape(s.target().shape());
                s.target().copy_(source);
            }
        }
        staged.clear();
        afterApply.forEach(Runnable::run);
        afterApply.clear();
    }
}
