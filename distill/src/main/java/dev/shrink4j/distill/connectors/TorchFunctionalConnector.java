package dev.shrink4j.distill.connectors;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.shrink4j.distill.config.ConfigReader;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A parameter-free {@code torch.nn.functional} call between a record and a loss (MMRazor's
 * {@code TorchFunctionalConnector}): {@code {"type": "TorchFunctionalConnector", "function_name":
 * "avg_pool2d", "func_args": {"kernel_size": 2}}}, typically to bring a feature to the teacher's spatial
 * size. Every argument is checked with the config; unknown ones are errors.
 *
 * <table>
 *   <caption>Functions and their arguments (PyTorch's defaults)</caption>
 *   <tr><th>function_name</th><th>func_args</th></tr>
 *   <tr><td>adaptive_avg_pool2d</td><td>output_size (required: an integer or [h, w])</td></tr>
 *   <tr><td>adaptive_max_pool2d</td><td>output_size (required), return_indices false</td></tr>
 *   <tr><td>avg_pool2d</td><td>kernel_size (required), stride (= kernel_size), padding 0, ceil_mode false,
 *       count_include_pad true, divisor_override null</td></tr>
 *   <tr><td>max_pool2d</td><td>kernel_size (required), stride (= kernel_size), padding 0, dilation 1, ceil_mode false,
 *       return_indices false</td></tr>
 *   <tr><td>interpolate</td><td>size or scale_factor (exactly one; an integer/number or a pair), mode "nearest"
 *       ("bilinear"), align_corners null (bilinear only; null means false)</td></tr>
 *   <tr><td>normalize</td><td>p 2, dim 1, eps 1e-12</td></tr>
 *   <tr><td>relu</td><td>inplace false</td></tr>
 *   <tr><td>softmax</td><td>dim (required)</td></tr>
 *   <tr><td>dropout, dropout2d</td><td>p 0.5, training true, inplace false</td></tr>
 *   <tr><td>flatten</td><td>start_dim 1, end_dim −1 ({@code torch.flatten} as {@code nn.Flatten} calls it; not in
 *       MMRazor's list)</td></tr>
 * </table>
 * {@code inplace} is accepted and has no effect (every op here makes a new tensor). As in PyTorch,
 * {@code F.dropout} drops in evaluation mode too unless {@code training} is false.
 */
public final class TorchFunctionalConnector extends Connector {

    /** The config name. */
    public static final String TYPE = "TorchFunctionalConnector";

    /** The functions, in the order of the table. */
    public static final List<String> FUNCTIONS = List.of("adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d",
            "max_pool2d", "interpolate", "normalize", "relu", "softmax", "dropout", "dropout2d", "flatten");

    private final String functionName;
    private final UnaryOperator<Tensor> function;
    private final int minDims;
    private final int maxDims;

    private TorchFunctionalConnector(String functionName, UnaryOperator<Tensor> function, int minDims, int maxDims) {
        super(TYPE);
        this.functionName = functionName;
        this.function = function;
        this.minDims = minDims;
        this.maxDims = maxDims;
    }

    static TorchFunctionalConnector read(ConfigReader r) {
        int before = r.errors().size();
        String name = r.requiredString("function_name");
        JsonElement argsJson = r.get("func_args");
        if (name == null) {
            return null;
        }
        if (!FUNCTIONS.contains(name)) {
            r.error("function_name", "\"" + name + "\" is not one of " + String.join(", ", FUNCTIONS));
            return null;
        }
        ConfigReader a = ConfigReader.of(r.at("func_args"), argsJson == null || argsJson.isJsonNull() ? new JsonObject() : argsJson,
                r.errors());
        TorchFunctionalConnector c = switch (name) {
            case "adaptive_avg_pool2d" -> {
                long[] size = a.pair("output_size", null, 1, Integer.MAX_VALUE);
                requirePresent(a, "output_size", size);
                yield new TorchFunctionalConnector(name, x -> torch.adaptive_avg_pool2d(x, size), 3, 4);
            }
            case "adaptive_max_pool2d" -> {
                long[] size = a.pair("output_size", null, 1, Integer.MAX_VALUE);
                requirePresent(a, "output_size", size);
                rejectTrue(a, "return_indices");
                yield new TorchFunctionalConnector(name, x -> torch.adaptive_max_pool2d(x, size).get0(), 3, 4);
            }
            case "avg_pool2d" -> {
                long[] kernel = a.pair("kernel_size", null, 1, Integer.MAX_VALUE);
                requirePresent(a, "kernel_size", kernel);
                long[] stride = a.isNull("stride") ? kernel : a.pair("stride", kernel, 1, Integer.MAX_VALUE);
                long[] padding = a.pair("padding", new long[] {0, 0}, 0, Integer.MAX_VALUE);
                boolean ceil = a.bool("ceil_mode", false);
                boolean countPad = a.bool("count_include_pad", true);
                Long divisor = a.optionalInteger("divisor_override", 1, Integer.MAX_VALUE);
                yield new TorchFunctionalConnector(name, x -> torch.avg_pool2d(x, kernel, stride, padding, ceil, countPad,
                        divisor == null ? new LongOptional() : new LongOptional(divisor)), 3, 4);
            }
            case "max_pool2d" -> {
                long[] kernel = a.pair("kernel_size", null, 1, Integer.MAX_VALUE);
                requirePresent(a, "kernel_size", kernel);
                long[] stride = a.isNull("stride") ? kernel : a.pair("stride", kernel, 1, Integer.MAX_VALUE);
                long[] padding = a.pair("padding", new long[] {0, 0}, 0, Integer.MAX_VALUE);
                long[] dilation = a.pair("dilation", new long[] {1, 1}, 1, Integer.MAX_VALUE);
                boolean ceil = a.bool("ceil_mode", false);
                rejectTrue(a, "return_indices");
                yield new TorchFunctionalConnector(name, x -> torch.max_pool2d(x, kernel, stride, padding, dilation, ceil), 3, 4);
            }
            case "interpolate" -> interpolate(a);
            case "normalize" -> {
                double p = a.positive("p", 2.0);
                long dim = a.integer("dim", 1, -8, 7);
                double eps = a.positive("eps", 1e-12);
                yield new TorchFunctionalConnector(name, x -> x.div(x.norm(new ScalarOptional(new Scalar(p)), new long[] {dim}, true)
                        .clamp_min(new Scalar(eps))), dimsFor(dim), Integer.MAX_VALUE);
            }
            case "relu" -> {
                a.bool("inplace", false);
                yield new TorchFunctionalConnector(name, torch::relu, 0, Integer.MAX_VALUE);
            }
            case "softmax" -> {
                Long dim = a.has("dim") ? a.optionalInteger("dim", -8, 7) : null;
                if (dim == null) {
                    a.errors().add(a.path() + ": missing \"dim\" (softmax without a dim is deprecated in PyTorch)");
                    yield null;
                }
                yield new TorchFunctionalConnector(name, x -> torch.softmax(x, dim), dimsFor(dim), Integer.MAX_VALUE);
            }
            case "dropout", "dropout2d" -> {
                double p = a.number("p", 0.5);
                if (p < 0 || p > 1) {
                    a.error("p", p + " is outside [0, 1]");
                }
                boolean training = a.bool("training", true);
                a.bool("inplace", false);
                yield name.equals("dropout")
                        ? new TorchFunctionalConnector(name, x -> torch.dropout(x, p, training), 0, Integer.MAX_VALUE)
                        : new TorchFunctionalConnector(name, x -> torch.feature_dropout(x, p, training), 3, 4);
            }
            default -> { // flatten
                long start = a.integer("start_dim", 1, -8, 7);
                long end = a.integer("end_dim", -1, -8, 7);
                yield new TorchFunctionalConnector(name, x -> torch.flatten(x, start, end),
                        Math.max(dimsFor(start), dimsFor(end)), Integer.MAX_VALUE);
            }
        };
        a.finish(name);
        return r.errors().size() > before ? null : c;
    }

    private static TorchFunctionalConnector interpolate(ConfigReader a) {
        boolean hasSize = a.has("size") && !a.isNull("size");
        boolean hasScale = a.has("scale_factor") && !a.isNull("scale_factor");
        long[] size = hasSize ? a.pair("size", null, 1, Integer.MAX_VALUE) : null;
        double[] scale = hasScale ? scalePair(a) : null;
        if (hasSize == hasScale) {
            a.errors().add(a.path() + ": give exactly one of size and scale_factor");
        }
        String mode = a.oneOf("mode", "nearest", List.of("nearest", "bilinear"));
        Boolean alignCorners = a.isNull("align_corners") || !a.has("align_corners") ? null : a.bool("align_corners", false);
        if (alignCorners != null && "nearest".equals(mode)) {
            a.error("align_corners", "can only be set with mode bilinear");
        }
        boolean corners = alignCorners != null && alignCorners;
        return new TorchFunctionalConnector("interpolate", x -> {
            long[] out = size != null ? size
                    : new long[] {(long) Math.floor(x.size(2) * scale[0]), (long) Math.floor(x.size(3) * scale[1])};
            DoubleOptional sh = scale == null ? new DoubleOptional() : new DoubleOptional(scale[0]);
            DoubleOptional sw = scale == null ? new DoubleOptional() : new DoubleOptional(scale[1]);
            return "bilinear".equals(mode) ? torch.upsample_bilinear2d(x, out, corners, sh, sw)
                    : torch.upsample_nearest2d(x, out, sh, sw);
        }, 4, 4);
    }

    private static double[] scalePair(ConfigReader a) {
        JsonElement v = a.get("scale_factor");
        if (v.isJsonArray() && v.getAsJsonArray().size() == 2) {
            JsonElement h = v.getAsJsonArray().get(0);
            JsonElement w = v.getAsJsonArray().get(1);
            if (positiveNumber(h) && positiveNumber(w)) {
                return new double[] {h.getAsDouble(), w.getAsDouble()};
            }
        } else if (positiveNumber(v)) {
            return new double[] {v.getAsDouble(), v.getAsDouble()};
        }
        a.error("scale_factor", "expected a positive number or a list of two, got " + ConfigReader.describe(v));
        return new double[] {1, 1};
    }

    private static boolean positiveNumber(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() && v.getAsDouble() > 0 && Double.isFinite(v.getAsDouble());
    }

    private static void requirePresent(ConfigReader a, String key, Object value) {
        if (value == null && !a.has(key)) {
            a.errors().add(a.path() + ": missing \"" + key + "\"");
        }
    }

    private static void rejectTrue(ConfigReader a, String key) {
        if (a.bool(key, false)) {
            a.error(key, "true is not supported (a connector passes on one tensor)");
        }
    }

    /** The rank an input needs for {@code dim} to exist. */
    private static int dimsFor(long dim) {
        return (int) (dim >= 0 ? dim + 1 : -dim);
    }

    /** The function's name ({@code avg_pool2d}). */
    public String functionName() {
        return functionName;
    }

    @Override
    protected Tensor forward(Tensor input) {
        return function.apply(input);
    }

    @Override
    public String inputProblem(Tensor input) {
        if (input.dim() < minDims || input.dim() > maxDims) {
            String expected = minDims == maxDims ? minDims + "-D" : maxDims == Integer.MAX_VALUE ? "at least " + minDims + "-D"
                    : minDims + "-D or " + maxDims + "-D";
            return TYPE + " " + functionName + " expects a " + expected + " input but got shape " + Arrays.toString(input.shape());
        }
        return null;
    }

    @Override
    public String toString() {
        return TYPE + "(" + functionName + ")";
    }
}
