package dev.shrink4j.onnx;

import static dev.shrink4j.onnx.OnnxGraph.floatAttr;
import static dev.shrink4j.onnx.OnnxGraph.intAttr;
import static dev.shrink4j.onnx.OnnxGraph.ints;

import dev.shrink4j.graph.GraphEdge;
import dev.shrink4j.graph.GraphNode;
import dev.shrink4j.graph.ModelGraph;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.AvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.ChannelPad;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Identity;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
import dev.shrink4j.nn.layers.Merge;
import dev.shrink4j.nn.layers.ReLU;
import dev.shrink4j.nn.layers.ReLU6;
import dev.shrink4j.onnx.layers.ChannelShuffle;
import dev.shrink4j.onnx.layers.Clamp;
import dev.shrink4j.onnx.layers.ConstantOperand;
import dev.shrink4j.onnx.layers.Elementwise;
import dev.shrink4j.onnx.layers.HardSigmoid;
import dev.shrink4j.onnx.layers.HardSwish;
import dev.shrink4j.onnx.layers.Pool2dFull;
import dev.shrink4j.onnx.layers.Sigmoid;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.QParams;
import dev.shrink4j.onnx.proto.OnnxProtos.AttributeProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Translates the module calls of a {@link ModelGraph} into ONNX nodes, in call order: each layer of
 * {@code dev.shrink4j.nn.layers} by its ONNX operator, quantized layers with {@code QuantizeLinear}/
 * {@code DequantizeLinear} around what the quantizer quantizes. Runs inside the exporter's scope and
 * {@code NoGradGuard}.
 */
final class LayerTranslator {

    /** The layer classes with an ONNX mapping, most specific first; subclasses that keep their forward map too. */
    static final List<Class<? extends Module>> MAPPED = List.of(Conv2d.class, Linear.class, BatchNorm.class, ReLU.class,
            ReLU6.class, MaxPool2d.class, AvgPool2d.class, AdaptiveAvgPool2d.class, Flatten.class, Dropout.class,
            Identity.class, Add.class, Concat.class, ChannelPad.class, Clamp.class, Sigmoid.class, HardSigmoid.class,
            HardSwish.class, Elementwise.class, ConstantOperand.class, ChannelShuffle.class, Pool2dFull.class);

    private final OnnxGraph onnx;
    private final ModelGraph graph;
    private final QdqPlan plan;
    private final boolean quantizeBias;
    private final boolean foldBatchNorms;
    private final boolean signedWeights;
    private final Map<GraphNode, String> values = new HashMap<>();
    private final Map<GraphNode, Fold> folds = new HashMap<>();
    private final java.util.Set<GraphNode> foldedNorms = new java.util.HashSet<>();
    /** Values that are the output of an activation DequantizeLinear with a per-tensor scale: the scale. */
    private final Map<String, Float> dequantized = new HashMap<>();

    LayerTranslator(OnnxGraph onnx, ModelGraph graph, QdqPlan plan, boolean quantizeBias, boolean foldBatchNorms,
            boolean signedWeights) {
        this.onnx = onnx;
        this.graph = graph;
        this.plan = plan;
        this.quantizeBias = quantizeBias;
        this.foldBatchNorms = foldBatchNorms;
        this.signedWeights = signedWeights;
    }

    /** Emits every module call; returns the value the model returns. */
    String translate(String input) {
        planFolds();
        values.put(graph.input(), input);
        for (GraphNode node : graph.moduleNodes()) {
            values.put(node, call(node));
        }
        return values.get(graph.inputsOf(graph.output()).get(0).source());
    }

    private String call(GraphNode node) {
        Module m = node.module();
        String layer = node.moduleName();
        checkMapped(node);
        List<String> in = new ArrayList<>();
        for (GraphEdge e : graph.inputsOf(node)) {
            in.add(values.get(e.source()));
        }
        Optional<QParams> inputGrid = plan == null ? Optional.empty() : plan.activation(layer, QuantType.INPUT);
        if (inputGrid.isPresent()) {
            // the quantizer's pre-hook replaces the first operand only (a merge's others stay float)
            in.set(0, quantize(in.get(0), inputGrid.get(), layer + ".input", node.name() + "::input"));
        }
        String out = emit(node, m, layer, in);
        if (plan != null && plan.signOutput(layer)) {
            out = onnx.node("Where", node.name() + "/sign", List.of(
                    onnx.node("GreaterOrEqual", node.name() + "/nonnegative", List.of(out, onnx.floatScalar(0f)),
                            onnx.freshName(node.name() + "::nonnegative")),
                    onnx.floatScalar(1f), onnx.floatScalar(-1f)), onnx.freshName(node.name() + "::sign"));
        }
        Optional<QParams> outputGrid = plan == null ? Optional.empty() : plan.activation(layer, QuantType.OUTPUT);
        if (outputGrid.isPresent()) {
            out = quantize(out, outputGrid.get(), layer + ".output", node.name() + "::output");
        }
        return out;
    }

    private String emit(GraphNode node, Module m, String layer, List<String> in) {
        String id = node.name();
        String x = in.get(0);
        if (m instanceof Conv2d c) {
            return conv(node, layer, c, x);
        }
        if (m instanceof Linear l) {
            return linear(node, layer, l, x);
        }
        if (m instanceof BatchNorm bn) {
            boolean folded = plan != null && plan.isFoldedBatchNorm(layer) || foldedNorms.contains(node);
            return folded ? x : batchNorm(id, layer, bn, x);
        }
        if (m instanceof ReLU) {
            return op("Relu", id, List.of(x));
        }
        if (m instanceof ReLU6) {
            return op("Clip", id, List.of(x, onnx.floatScalar(0f), onnx.floatScalar(6f)));
        }
        if (m instanceof MaxPool2d p) {
            return op("MaxPool", id, List.of(x), ints("kernel_shape", p.kernel(), p.kernel()),
                    ints("strides", p.stride(), p.stride()), ints("pads", p.padding(), p.padding(), p.padding(), p.padding()));
        }
        if (m instanceof AvgPool2d p) {
            return op("AveragePool", id, List.of(x), ints("kernel_shape", p.kernel(), p.kernel()),
                    ints("strides", p.stride(), p.stride()), ints("pads", p.padding(), p.padding(), p.padding(), p.padding()),
                    intAttr("count_include_pad", 1));
        }
        if (m instanceof AdaptiveAvgPool2d p) {
            return adaptiveAvgPool(node, p, x);
        }
        if (m instanceof Flatten) {
            return op("Flatten", id, List.of(x), intAttr("axis", 1));
        }
        if (m instanceof Dropout || m instanceof Identity) {
            return x; // evaluation mode: both return their input
        }
        if (m instanceof Add) {
            return op("Add", id, in);
        }
        if (m instanceof Concat) {
            return op("Concat", id, in, intAttr("axis", 1));
        }
        if (m instanceof ChannelPad p) {
            return channelPad(id, p, x);
        }
        return emitImported(node, m, layer, in);
    }

    /** The layers of {@code dev.shrink4j.onnx.layers}, which the importer creates for ONNX operators nn lacks. */
    private String emitImported(GraphNode node, Module m, String layer, List<String> in) {
        String id = node.name();
        String x = in.get(0);
        if (m instanceof Clamp c) {
            return op("Clip", id, List.of(x, c.min().isPresent() ? onnx.floatScalar((float) c.min().getAsDouble()) : "",
                    c.max().isPresent() ? onnx.floatScalar((float) c.max().getAsDouble()) : ""));
        }
        if (m instanceof Sigmoid) {
            return op("Sigmoid", id, List.of(x));
        }
        if (m instanceof HardSigmoid h) {
            return op("HardSigmoid", id, List.of(x), floatAttr("alpha", (float) h.alpha()), floatAttr("beta", (float) h.beta()));
        }
        if (m instanceof HardSwish) {
            return op("HardSwish", id, List.of(x));
        }
        if (m instanceof Elementwise e) {
            return op(e.op().onnxName(), id, in);
        }
        if (m instanceof ConstantOperand c) {
            String key = layer + ".constant";
            String value = onnx.has(key) ? key : onnx.initializer(key, c.constant());
            return op(c.op().onnxName(), id, c.constantFirst() ? List.of(value, x) : List.of(x, value));
        }
        if (m instanceof ChannelShuffle c) {
            List<Long> s = graph.inputsOf(node).get(0).shape();
            long g = c.groups();
            String split = onnx.node("Reshape", id + "/split", List.of(x, onnx.int64Initializer(onnx.freshName(id + "::split_shape"),
                    0, g, s.get(1) / g, s.get(2), s.get(3))), onnx.freshName(id + "::split"));
            String swapped = onnx.node("Transpose", id + "/transpose", List.of(split), onnx.freshName(id + "::transposed"),
                    ints("perm", 0, 2, 1, 3, 4));
            return op("Reshape", id, List.of(swapped, onnx.int64Initializer(onnx.freshName(id + "::shape"), 0, s.get(1),
                    s.get(2), s.get(3))));
        }
        if (m instanceof Pool2dFull p) {
            long[] k = p.kernelSize();
            long[] st = p.strides();
            long[] pad = p.paddings();
            if (p.kind() == Pool2dFull.Kind.MAX) {
                long[] d = p.dilations();
                return op("MaxPool", id, List.of(x), ints("kernel_shape", k[0], k[1]), ints("strides", st[0], st[1]),
                        ints("pads", pad[0], pad[1], pad[0], pad[1]), ints("dilations", d[0], d[1]),
                        intAttr("ceil_mode", p.ceilMode() ? 1 : 0));
            }
            return op("AveragePool", id, List.of(x), ints("kernel_shape", k[0], k[1]), ints("strides", st[0], st[1]),
                    ints("pads", pad[0], pad[1], pad[0], pad[1]), intAttr("ceil_mode", p.ceilMode() ? 1 : 0),
                    intAttr("count_include_pad", p.countIncludePad() ? 1 : 0));
        }
        throw new IllegalStateException("unreachable: " + m.typeName() + " passed checkMapped");
    }

    private String op(String opType, String id, List<String> inputs, AttributeProto... attributes) {
        return onnx.node(opType, id, inputs, onnx.freshName(id), attributes);
    }

    // ---------------------------------------------------------------- layers with weights

    private String conv(GraphNode node, String layer, Conv2d c, String x) {
        long[] k = c.kernelSize();
        long[] s = c.stride();
        long[] p = c.padding();
        long[] d = c.dilation();
        Fold fold = folds.get(node);
        Weight w = weight(layer, c, fold);
        List<String> inputs = new ArrayList<>(List.of(x, w.value()));
        bias(node.name(), layer, c, x, w, fold).ifPresent(inputs::add);
        return op("Conv", node.name(), inputs, ints("kernel_shape", k[0], k[1]), ints("strides", s[0], s[1]),
                ints("pads", p[0], p[1], p[0], p[1]), ints("dilations", d[0], d[1]), intAttr("group", c.groups()));
    }

    private String linear(GraphNode node, String layer, Linear l, String x) {
        String id = node.name();
        Weight w = weight(layer, l, null);
        Optional<String> b = bias(id, layer, l, x, w, null);
        int rank = graph.inputsOf(node).get(0).shape().size();
        if (rank == 2) {
            List<String> inputs = new ArrayList<>(List.of(x, w.value()));
            b.ifPresent(inputs::add);
            return op("Gemm", id, inputs, intAttr("transB", 1));
        }
        // y = x Wᵀ + b over the last dimension of an input of any rank
        String wt = onnx.has(w.value() + "::transposed") ? w.value() + "::transposed"
                : onnx.node("Transpose", id + "/transpose", List.of(w.value()), w.value() + "::transposed", ints("perm", 1, 0));
        String y = onnx.node("MatMul", id + "/matmul", List.of(x, wt), onnx.freshName(id + "::matmul"));
        return b.isPresent() ? op("Add", id, List.of(y, b.get())) : y;
    }

    /**
     * The weight value a layer computes with, and for int8 weights the scale the DequantizeLinear applies (0-d or
     * per output channel; null for float32 weights).
     */
    private record Weight(String value, Tensor scale) {
    }

    /**
     * A batch norm folded into the weight scale and bias of the int8 convolution before it: its per-channel factor
     * {@code a = γ / sqrt(running_var + eps)} and shift {@code β − a·running_mean}.
     */
    private record Fold(GraphNode norm, Tensor factor, Tensor shift) {
    }

    /**
     * The int8 initializer through a DequantizeLinear (the integers and, unless a batch norm is folded into it, the
     * scale and zero point of the int8 export), or float32.
     */
    private Weight weight(String layer, Module m, Fold fold) {
        String key = layer + ".weight";
        Optional<List<Tensor>> q = plan == null ? Optional.empty() : plan.integerWeight(layer);
        if (q.isEmpty()) {
            return new Weight(onnx.has(key) ? key : onnx.initializer(key, floatValue(layer, m, "weight")), null);
        }
        Tensor ints = q.get().get(0);
        Tensor scale = q.get().get(1);
        Tensor zeroPoint = q.get().get(2);
        boolean perChannel = scale.dim() > 0;
        String out = key + "::dequantized";
        if (onnx.has(out)) {
            return new Weight(out, perChannel ? scale.reshape(-1) : scale); // a module called more than once
        }
        if (signedWeights && ints.scalar_type().intern() == torch.ScalarType.Byte) {
            // the same values, scale·(q − z) = scale·((q − o) − (z − o)), now int8: a symmetric grid (z = 127, no
            // 255) shifts by o = 127 to zero point 0, the form ONNX Runtime's fastest kernels take; others by 128
            Tensor wide = ints.to(torch.ScalarType.Short);
            boolean symmetric = zeroPoint.eq(new Scalar(127L)).all().item_bool() && wide.max().item_long() <= 254;
            Scalar offset = new Scalar(symmetric ? 127L : 128L);
            ints = wide.sub(offset).to(torch.ScalarType.Char);
            zeroPoint = zeroPoint.to(torch.ScalarType.Short).sub(offset).to(torch.ScalarType.Char);
        }
        onnx.initializer(key, ints);
        String s;
        String zp;
        if (fold == null) {
            scale = perChannel ? scale.reshape(-1) : scale;
            s = onnx.initializer(layer + ".weight_scale", scale);
            zp = onnx.initializer(layer + ".weight_zero_point", perChannel ? zeroPoint.reshape(-1) : zeroPoint);
        } else {
            // the same integers on per-channel scales a·scale: DequantizeLinear then yields a·W, the batch norm's product
            long channels = fold.factor().numel();
            scale = (perChannel ? scale.reshape(-1) : scale.reshape(1).expand(channels)).mul(fold.factor()).contiguous();
            s = onnx.initializer(layer + ".weight_scale_folded", scale);
            zp = perChannel ? onnx.initializer(layer + ".weight_zero_point", zeroPoint.reshape(-1))
                    : onnx.initializer(layer + ".weight_zero_point_per_channel",
                            zeroPoint.reshape(1).expand(channels).contiguous());
            perChannel = true;
        }
        String value = perChannel
                ? onnx.node("DequantizeLinear", key + "/dequantize", List.of(key, s, zp), out, intAttr("axis", 0))
                : onnx.node("DequantizeLinear", key + "/dequantize", List.of(key, s, zp), out);
        return new Weight(value, scale);
    }

    /**
     * The bias input of a convolution or linear layer, if any (a folded batch norm's shift included). With an int8
     * weight and an input that comes out of a per-tensor activation DequantizeLinear it is int32 on the scale
     * {@code input_scale · weight_scale}, zero point 0 (what ONNX Runtime's integer kernels take), unless the
     * exporter keeps float biases.
     */
    private Optional<String> bias(String id, String layer, Module m, String x, Weight w, Fold fold) {
        Tensor b = plan == null ? null : plan.foldedBias(layer, m).orElse(null);
        if (b == null && m.getParameter("bias") == null && fold == null) {
            return Optional.empty();
        }
        String key = id + ".bias";
        if (onnx.has(key)) {
            return Optional.of(key);
        }
        if (b == null && m.getParameter("bias") != null) {
            b = floatValue(layer, m, "bias");
        }
        if (fold != null) {
            b = b == null ? fold.shift() : b.mul(fold.factor()).add(fold.shift());
        }
        Float inputScale = dequantized.get(x);
        if (!quantizeBias || w.scale() == null || inputScale == null) {
            return Optional.of(onnx.initializer(key, b));
        }
        Tensor weightScale = w.scale().reshape(-1);
        Tensor scale = weightScale.mul(new Scalar(inputScale.doubleValue()));
        Tensor ints = b.div(scale).round();
        if (ints.abs().max().item_double() > Integer.MAX_VALUE) {
            // a bias too large for int32 on that scale: stays float (ONNX Runtime then runs the layer in float)
            return Optional.of(onnx.initializer(key, b));
        }
        boolean perChannel = w.scale().dim() > 0;
        onnx.initializer(key, ints.to(torch.ScalarType.Int));
        String s = onnx.initializer(id + ".bias_scale", perChannel ? scale : scale.reshape(new long[0]));
        String zp = onnx.initializer(id + ".bias_zero_point",
                torch.zeros_like(perChannel ? scale : scale.reshape(new long[0])).to(torch.ScalarType.Int));
        String out = key + "::dequantized";
        return Optional.of(perChannel
                ? onnx.node("DequantizeLinear", key + "/dequantize", List.of(key, s, zp), out, intAttr("axis", 0))
                : onnx.node("DequantizeLinear", key + "/dequantize", List.of(key, s, zp), out));
    }

    /**
     * Finds the batch norms to fold into the int8 convolution before them: ONNX Runtime folds a batch norm into a
     * float convolution itself, but not into one whose weight comes out of a DequantizeLinear, and a float batch
     * norm between the convolution and the next QuantizeLinear keeps it from running the convolution in integers.
     * A pair folds when the convolution is called once, has int8 weights and no output quantization, its only
     * consumer is the batch norm, the batch norm (not QAT-folded) quantizes no input, and every factor
     * {@code γ / sqrt(running_var + eps)} is positive and finite.
     */
    private void planFolds() {
        if (plan == null || !foldBatchNorms) {
            return;
        }
        for (GraphNode node : graph.moduleNodes()) {
            if (!(node.module() instanceof Conv2d) || node.call() != 1 || plan.integerWeight(node.moduleName()).isEmpty()
                    || plan.activation(node.moduleName(), QuantType.OUTPUT).isPresent()
                    || graph.consumersOf(node).size() != 1) {
                continue;
            }
            GraphNode next = graph.consumersOf(node).get(0).target();
            if (next.kind() != GraphNode.Kind.MODULE || !(next.module() instanceof BatchNorm bn) || next.call() != 1
                    || plan.isFoldedBatchNorm(next.moduleName())
                    || plan.activation(next.moduleName(), QuantType.INPUT).isPresent()
                    || moduleCalls(node.module()) != 1 || moduleCalls(bn) != 1) {
                continue;
            }
            String name = next.moduleName();
            Tensor var = plan.replaced(name + ".running_var").orElse(bn.runningVar());
            Tensor mean = plan.replaced(name + ".running_mean").orElse(bn.runningMean());
            Tensor gamma = bn.affine() ? floatValue(name, bn, "weight") : torch.ones_like(var);
            Tensor factor = gamma.div(var.add(new Scalar(bn.eps())).sqrt());
            if (!factor.gt(new Scalar(0.0)).logical_and(factor.isfinite()).all().item_bool()) {
                continue; // a DequantizeLinear scale must be positive: this batch norm stays as it is
            }
            Tensor shift = mean.mul(factor).neg();
            if (bn.affine()) {
                shift = shift.add(floatValue(name, bn, "bias"));
            }
            folds.put(node, new Fold(next, factor, shift));
            foldedNorms.add(next);
        }
    }

    private long moduleCalls(Module m) {
        return graph.moduleNodes().stream().filter(n -> n.module() == m).count();
    }

    private String batchNorm(String id, String layer, BatchNorm bn, String x) {
        String scale;
        String shift;
        if (bn.affine()) {
            scale = param(layer, bn, "weight");
            shift = param(layer, bn, "bias");
        } else {
            scale = onnx.has(layer + "::ones") ? layer + "::ones" : onnx.initializer(layer + "::ones", torch.ones(bn.numFeatures()));
            shift = onnx.has(layer + "::zeros") ? layer + "::zeros"
                    : onnx.initializer(layer + "::zeros", torch.zeros(bn.numFeatures()));
        }
        String mean = buffer(layer, bn, "running_mean");
        String var = buffer(layer, bn, "running_var");
        return op("BatchNormalization", id, List.of(x, scale, shift, mean, var), floatAttr("epsilon", (float) bn.eps()));
    }

    private String param(String layer, Module m, String name) {
        String key = layer + "." + name;
        return onnx.has(key) ? key : onnx.initializer(key, floatValue(layer, m, name));
    }

    private String buffer(String layer, Module m, String name) {
        String key = layer + "." + name;
        if (onnx.has(key)) {
            return key;
        }
        Optional<Tensor> replaced = plan == null ? Optional.empty() : plan.replaced(key);
        return onnx.initializer(key, replaced.orElse(m.getBuffer(name)));
    }

    /** The float value forward computes with: the quantizer's replacement, else the parameter through its parametrizations (masks). */
    private Tensor floatValue(String layer, Module m, String name) {
        Optional<Tensor> replaced = plan == null ? Optional.empty() : plan.replaced(layer + "." + name);
        return replaced.orElseGet(() -> m.parametrized(name).detach());
    }

    // ---------------------------------------------------------------- glue

    private String adaptiveAvgPool(GraphNode node, AdaptiveAvgPool2d p, String x) {
        List<Long> shape = graph.inputsOf(node).get(0).shape();
        long[] out = p.outputSize();
        if (out[0] == 1 && out[1] == 1) {
            return op("GlobalAveragePool", node.name(), List.of(x));
        }
        long h = shape.get(2);
        long w = shape.get(3);
        if (h % out[0] != 0 || w % out[1] != 0) {
            throw new OnnxExportException(node.name() + " (" + node.type() + "): output size " + out[0] + "x" + out[1]
                    + " from an input of " + h + "x" + w + " pools windows of different sizes, which no ONNX operator does"
                    + " (ONNX has no adaptive pooling; an input size divisible by the output size maps to AveragePool)");
        }
        return op("AveragePool", node.name(), List.of(x), ints("kernel_shape", h / out[0], w / out[1]),
                ints("strides", h / out[0], w / out[1]));
    }

    private String channelPad(String id, ChannelPad p, String x) {
        String y = x;
        if (p.stride() > 1) {
            y = onnx.node("Slice", id + "/subsample", List.of(x, onnx.int64Initializer(onnx.freshName(id + "::starts"), 0, 0),
                    onnx.int64Initializer(onnx.freshName(id + "::ends"), Long.MAX_VALUE, Long.MAX_VALUE),
                    onnx.int64Initializer(onnx.freshName(id + "::axes"), 2, 3),
                    onnx.int64Initializer(onnx.freshName(id + "::steps"), p.stride(), p.stride())),
                    onnx.freshName(id + "::subsampled"));
        }
        if (p.before() == 0 && p.after() == 0) {
            return y;
        }
        // pads: the begins of N, C, H, W, then their ends
        return op("Pad", id, List.of(y, onnx.int64Initializer(onnx.freshName(id + "::pads"), 0, p.before(), 0, 0, 0,
                p.after(), 0, 0), onnx.floatScalar(0f)));
    }

    // ---------------------------------------------------------------- quantization

    /**
     * {@code QuantizeLinear} then {@code DequantizeLinear} of {@code value} on {@code grid}: uint8 for grids in
     * {@code [0, 255]}, int8 for grids in {@code [−128, 127]}; a grid narrower than its type (fewer than 8 bits, or
     * the symmetric int grid {@code [−127, 127]}) is clipped in the integer domain between the two, so the values are
     * those of the fake quantization. Per-channel grids quantize along axis 1.
     */
    private String quantize(String value, QParams grid, String key, String base) {
        boolean unsigned = grid.qmin() >= 0;
        long typeMin = unsigned ? 0 : Byte.MIN_VALUE;
        long typeMax = unsigned ? 255 : Byte.MAX_VALUE;
        if (grid.qmin() < typeMin || grid.qmax() > typeMax) {
            throw new OnnxExportException(key + ": the grid [" + grid.qmin() + ", " + grid.qmax() + "] needs more than 8 bits;"
                    + " ONNX opset 17 QuantizeLinear is int8/uint8 (use quant_bits <= 8)");
        }
        Tensor scale = grid.scale().detach().to(torch.ScalarType.Float);
        boolean perChannel = scale.dim() > 0;
        String s = onnx.has(key + "_scale") ? key + "_scale"
                : onnx.initializer(key + "_scale", perChannel ? scale.reshape(-1) : scale);
        String zp = onnx.has(key + "_zero_point") ? key + "_zero_point"
                : onnx.initializer(key + "_zero_point", (perChannel ? grid.zeroPoint().detach().reshape(-1) : grid.zeroPoint().detach())
                        .to(unsigned ? torch.ScalarType.Byte : torch.ScalarType.Char));
        AttributeProto[] axis = perChannel ? new AttributeProto[] {intAttr("axis", 1)} : new AttributeProto[0];
        String q = onnx.node("QuantizeLinear", base + "/quantize", List.of(value, s, zp), onnx.freshName(base + "_quantized"),
                axis);
        if (grid.qmin() > typeMin || grid.qmax() < typeMax) {
            q = onnx.node("Clip", base + "/clip", List.of(q, onnx.byteScalar(grid.qmin(), unsigned),
                    onnx.byteScalar(grid.qmax(), unsigned)), onnx.freshName(base + "_clipped"));
        }
        String dq = onnx.node("DequantizeLinear", base + "/dequantize", List.of(q, s, zp), onnx.freshName(base), axis);
        if (!perChannel) {
            dequantized.put(dq, scale.item_float());
        }
        return dq;
    }

    // ---------------------------------------------------------------- checks

    /**
     * Checks that the module is a mapped layer (or a subclass that keeps its forward).
     *
     * @throws OnnxExportException naming the module and its type otherwise
     */
    private static void checkMapped(GraphNode node) {
        Module m = node.module();
        Class<? extends Module> base = MAPPED.stream().filter(c -> c.isInstance(m)).findFirst().orElseThrow(() ->
                new OnnxExportException("no ONNX mapping for module " + node.name() + " (" + m.typeName() + "); mapped"
                        + " layers: " + MAPPED.stream().map(Class::getSimpleName).collect(Collectors.joining(", "))));
        for (Class<?> k = m.getClass(); k != base; k = k.getSuperclass()) {
            String method = Merge.class.isAssignableFrom(k) ? "merge" : "forward";
            boolean overrides = java.util.Arrays.stream(k.getDeclaredMethods())
                    .anyMatch(meth -> meth.getName().equals(method) && !meth.isSynthetic() && !meth.isBridge());
            if (overrides) {
                throw new OnnxExportException("no ONNX mapping for module " + node.name() + " (" + m.typeName() + "): it"
                        + " overrides " + method + " of " + base.getSimpleName() + ", so what it computes is unknown to"
                        + " the exporter");
            }
        }
    }
}
