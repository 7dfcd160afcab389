package dev.shrink4j.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.AdaptiveAvgPool2d;
import dev.shrink4j.nn.layers.Add;
import dev.shrink4j.nn.layers.AvgPool2d;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.BatchNorm1d;
import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Concat;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Dropout;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.MaxPool2d;
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
import dev.shrink4j.onnx.proto.OnnxProtos.AttributeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.GraphProto;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.OperatorSetIdProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorShapeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ONNX file made by PyTorch ({@code torch.onnx.export}) into an {@link ImportedModel}: a module tree of
 * shrink4j layers that computes what the file computes, with the file's weights under PyTorch's state-dict keys.
 *
 * <pre>{@code
 * try (ImportedModel model = OnnxImporter.load(Path.of("resnet18.onnx"))) {
 *     model.eval();
 *     Tensor logits = model.call(x);                 // x: [N, 3, 32, 32] as model.inputShape() says
 *     model.stateDict().keySet();                    // conv1.weight, bn1.running_mean, layer1.0.conv1.weight, …
 * }
 * }</pre>
 *
 * <p><b>Operators</b> (default domain, opsets {@value #MIN_OPSET}–{@value #MAX_OPSET}):
 * {@code Conv} (2-D; groups, dilations, strides, symmetric pads, {@code auto_pad}) → {@code Conv2d};
 * {@code Gemm} with constant {@code B} (either {@code transB}, any {@code alpha}/{@code beta}) and {@code MatMul}
 * with a constant 2-D right operand, with the {@code Add} of a constant bias after it → {@code Linear};
 * {@code BatchNormalization} (inference) → {@code BatchNorm2d}/{@code BatchNorm1d}; {@code Relu} → {@code ReLU};
 * {@code Clip} → {@code ReLU6} for (0, 6), {@code ReLU} for (0, none), else {@link Clamp}; {@code Sigmoid},
 * {@code HardSigmoid}, {@code HardSwish}; {@code Add} of two equal shapes → {@code Add}, and every other
 * {@code Add}, {@code Sub}, {@code Mul}, {@code Div} of two computed values or with a constant →
 * {@link Elementwise}/{@link ConstantOperand}; {@code Concat} along channels →
 * {@code Concat}; {@code MaxPool}, {@code AveragePool} → {@code MaxPool2d}/{@code AvgPool2d}, or
 * {@link Pool2dFull} for ceil mode, rectangular windows, dilation or padding left out of the mean;
 * {@code GlobalAveragePool} and {@code ReduceMean} over both spatial axes → {@code AdaptiveAvgPool2d(1)} (and
 * {@code Flatten} without {@code keepdims}); {@code Flatten} (axis 1) and a {@code Reshape} that flattens →
 * {@code Flatten}; {@code Reshape}, {@code Transpose(0, 2, 1, 3, 4)}, {@code Reshape} (ShuffleNet) →
 * {@link ChannelShuffle}; {@code Dropout} → {@code Dropout}; {@code Identity} and a {@code Reshape} to the same
 * shape pass their input on; {@code Constant}, and {@code Shape}, {@code Gather}, {@code Unsqueeze},
 * {@code Squeeze}, {@code Concat}, {@code Cast}, {@code Div}, {@code Sub} on constants (the shape arithmetic of {@code x.view(x.size(0), -1)})
 * are evaluated at import. Anything else is an {@link OnnxImportException} naming the node, its operator and
 * {@link #SUPPORTED_OPS} — never a silently different model.
 *
 * <p><b>Names.</b> A layer with weights sits at the prefix of its initializers ({@code layer1.0.conv1.weight} →
 * {@code layer1.0.conv1}); PyTorch's exporter shares identical initializers through {@code Identity} nodes, and each
 * layer gets its own copy under its own name. A layer without weights takes the module scope that PyTorch 1.13+
 * writes into node names ({@code /layer1/layer1.0/relu/Relu} → {@code layer1.0.relu}), or the node's name inside
 * its scope where the scope is a container ({@code layer1.0.Add}). So a state dict saved from the model has the keys
 * of the PyTorch model's ({@code num_batches_tracked}, which ONNX does not hold, is 0). A file shrink4j exported names
 * its nodes after the layers, and imports under the same paths.
 *
 * <p><b>Shapes.</b> The graph input's dimensions after the first must be fixed; the first (batch) may be symbolic.
 * The importer runs every layer once on an example batch of 2 as it builds it, which checks each initializer's shape
 * against the value it meets and resolves {@code auto_pad} and {@code Reshape} targets.
 *
 * <p><b>Bad input</b> is an {@link OnnxImportException} whose one-line message starts with the file: not an ONNX
 * model, truncated, an opset outside the range, a graph with more than one input or output, a non-float input, an
 * unsupported operator or attribute value, an initializer whose shape contradicts its operator.
 */
public final class OnnxImporter {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxImporter.class);

    /** The lowest default-domain opset imported. */
    public static final int MIN_OPSET = 11;
    /** The highest default-domain opset imported. */
    public static final int MAX_OPSET = 17;
    /** The ONNX operators the importer maps (some only in the forms the class documentation lists). */
    public static final List<String> SUPPORTED_OPS = List.copyOf(new TreeSet<>(List.of("Add", "AveragePool",
            "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout", "Flatten", "Gather", "Gemm",
            "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "MatMul", "MaxPool", "Mul", "ReduceMean", "Relu",
            "Reshape", "Shape", "Sigmoid", "Squeeze", "Sub", "Transpose", "Unsqueeze")));
    /** The batch size of the example the importer runs each layer on. */
    static final long EXAMPLE_BATCH = 2;

    private static final Set<String> FOLDABLE = Set.of("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Div",
            "Sub");

    private final Path file;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, Tensor> constants = new HashMap<>();
    private final Map<String, Tensor> example = new HashMap<>();
    private final Map<String, String> aliases = new HashMap<>();
    private final Map<String, Integer> readers = new HashMap<>();
    private final Map<String, Shuffle> pendingShuffles = new HashMap<>();
    private final Set<Integer> fused = new HashSet<>();
    private final Set<String> graphOutputs = new HashSet<>();
    private List<NodeProto> nodes;
    private ImportedModel model;
    private LayerNames names;
    private int opset;

    /** A Reshape (stage 1) or Reshape + Transpose (stage 2) of a channel shuffle of {@code source}. */
    private record Shuffle(String source, long groups, int stage, String node) {
    }

    private OnnxImporter(Path file) {
        this.file = file;
    }

    /**
     * Imports the ONNX file. The model is in training mode, as a freshly built module is; call {@code eval()} for
     * inference.
     *
     * @throws NoSuchFileException  when the file does not exist
     * @throws IOException          when it cannot be read
     * @throws OnnxImportException  naming the file and the culprit when the file is no ONNX model the importer takes
     */
    public static ImportedModel load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(file, "not an ONNX model, or a truncated one (" + bytes.length + " bytes; protobuf: "
                    + firstLine(e.getMessage()) + ")", e);
        }
        long start = System.nanoTime();
        ImportedModel m = new OnnxImporter(file).build(proto);
        LOG.info("imported {}: {} layer calls, {} parameters, input {}, output {} ({} ms)", file, m.stepCount(),
                m.parameterCount(), Arrays.toString(m.inputShape()), Arrays.toString(m.outputShape()),
                (System.nanoTime() - start) / 1_000_000);
        return m;
    }

    // ---------------------------------------------------------------- graph

    private ImportedModel build(ModelProto proto) {
        if (!proto.hasGraph() || proto.getOpsetImportCount() == 0 || proto.getIrVersion() <= 0) {
            throw fail("not an ONNX model (no graph, opset or IR version: "
                    + (proto.hasGraph() ? "" : "no graph, ") + proto.getOpsetImportCount() + " opset imports, IR version "
                    + proto.getIrVersion() + "), or a truncated one");
        }
        opset = -1;
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) o.getVersion();
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw fail(opset < 0 ? "imports no default-domain opset" : "has opset " + opset + ", outside the "
                    + MIN_OPSET + "–" + MAX_OPSET + " the importer reads (re-export with torch.onnx.export(...,"
                    + " opset_version=13))");
        }
        GraphProto g = proto.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        List<ValueInfoProto> inputs = g.getInputList().stream().filter(v -> !initializers.containsKey(v.getName())).toList();
        if (inputs.size() != 1) {
            throw fail("the graph has " + inputs.size() + " inputs " + inputs.stream().map(ValueInfoProto::getName)
                    .collect(Collectors.toList()) + "; the importer takes models with exactly one input");
        }
        if (g.getOutputCount() != 1) {
            throw fail("the graph has " + g.getOutputCount() + " outputs " + g.getOutputList().stream()
                    .map(ValueInfoProto::getName).collect(Collectors.toList()) + "; the importer takes models with exactly one output");
        }
        ValueInfoProto input = inputs.get(0);
        long[] sample = sampleShape(input);
        nodes = g.getNodeList();
        for (NodeProto n : nodes) {
            for (String in : n.getInputList()) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        graphOutputs.add(g.getOutput(0).getName());

        model = new ImportedModel(file, g.getName(), opset, input.getName(), sample);
        names = new LayerNames(model, nodes, initializers.keySet(),
                op -> !FOLDABLE.contains(op) && !op.equals("Constant") && !op.equals("Identity"));
        boolean ok = false;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            model.eval(); // every layer added below is put in evaluation mode before it runs on the example
            example.put(input.getName(), torch.zeros(LongStream.concat(LongStream.of(EXAMPLE_BATCH), Arrays.stream(sample))
                    .toArray()));
            for (int i = 0; i < nodes.size(); i++) {
                if (!fused.contains(i)) {
                    node(i, nodes.get(i));
                }
            }
            if (!pendingShuffles.isEmpty()) {
                Shuffle s = pendingShuffles.values().iterator().next();
                throw fail("node '" + s.node() + "' reshapes to 5 dimensions, which the importer supports only as the"
                        + " Reshape, Transpose(perm=[0, 2, 1, 3, 4]), Reshape of a channel shuffle");
            }
            String out = resolve(g.getOutput(0).getName());
            Tensor y = example.get(out);
            if (y == null) {
                throw fail("the graph output '" + g.getOutput(0).getName() + "' is "
                        + (constants.containsKey(out) || initializers.containsKey(out) ? "a constant" : "not produced by any node")
                        + (constants.containsKey(out) ? "" : " (a truncated file?)"));
            }
            long[] shape = y.shape();
            model.finish(out, Arrays.copyOfRange(shape, 1, shape.length));
            model.train();
            ok = true;
            return model;
        } finally {
            if (!ok) {
                model.close();
            }
        }
    }

    /** The input's shape without the batch axis; every dimension after the first must be fixed. */
    private long[] sampleShape(ValueInfoProto input) {
        if (!input.hasType() || !input.getType().hasTensorType()) {
            throw fail("the graph input '" + input.getName() + "' is not a tensor");
        }
        int elem = input.getType().getTensorType().getElemType();
        if (elem != TensorProto.DataType.FLOAT_VALUE) {
            throw fail("the graph input '" + input.getName() + "' has element type " + TensorProto.DataType.forNumber(elem)
                    + "; the importer takes float32 inputs");
        }
        List<TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
        if (dims.size() < 2) {
            throw fail("the graph input '" + input.getName() + "' has rank " + dims.size()
                    + "; the importer takes [batch, …] inputs of rank 2 or more");
        }
        long[] out = new long[dims.size() - 1];
        for (int d = 1; d < dims.size(); d++) {
            TensorShapeProto.Dimension dim = dims.get(d);
            if (!dim.hasDimValue() || dim.getDimValue() <= 0) {
                throw fail("the graph input '" + input.getName() + "' has a dynamic dimension "
                        + (dim.hasDimParam() ? "'" + dim.getDimParam() + "' " : "") + "at axis " + d
                        + "; only the batch axis (0) may be dynamic (export with a fixed image size)");
            }
            out[d - 1] = dim.getDimValue();
        }
        return out;
    }

    // ---------------------------------------------------------------- nodes

    private void node(int index, NodeProto n) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw unsupported(n, "in domain '" + n.getDomain() + "'");
        }
        for (String in : n.getInputList()) {
            String r = resolve(in);
            if (!in.isEmpty() && !example.containsKey(r) && !isConstant(r) && !pendingShuffles.containsKey(r)) {
                throw fail("node '" + name(n) + "' (" + op + ") reads '" + in + "', which neither the input, an initializer"
                        + " nor an earlier node provides (a truncated file, or nodes out of order)");
            }
            Shuffle s = pendingShuffles.get(r);
            if (s != null && !(s.stage() == 1 && op.equals("Transpose") || s.stage() == 2 && op.equals("Reshape"))) {
                throw fail("node '" + s.node() + "' reshapes or transposes to 5 dimensions for '" + name(n) + "' (" + op
                        + "); the importer supports that only as the Reshape, Transpose(perm=[0, 2, 1, 3, 4]), Reshape of a"
                        + " channel shuffle");
            }
        }
        if (FOLDABLE.contains(op) && n.getInputList().stream().filter(s -> !s.isEmpty())
                .allMatch(s -> isConstant(resolve(s)) || op.equals("Shape") && example.containsKey(resolve(s)))) {
            fold(n);
            return;
        }
        switch (op) {
            case "Constant" -> constant(n);
            case "Identity" -> aliases.put(n.getOutput(0), resolve(n.getInput(0)));
            case "Conv" -> conv(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matMul(index, n);
            case "BatchNormalization" -> batchNorm(n);
            case "Relu" -> emit(n, names.forLayer(n), new ReLU(), runtimeInputs(n, 1));
            case "Sigmoid" -> emit(n, names.forLayer(n), new Sigmoid(), runtimeInputs(n, 1));
            case "HardSwish" -> emit(n, names.forLayer(n), new HardSwish(), runtimeInputs(n, 1));
            case "HardSigmoid" -> emit(n, names.forLayer(n), new HardSigmoid(floatAttr(n, "alpha", 0.2), floatAttr(n, "beta", 0.5)),
                    runtimeInputs(n, 1));
            case "Clip" -> clip(n);
            case "Add", "Sub", "Mul", "Div" -> arithmetic(n);
            case "Concat" -> concat(n);
            case "MaxPool", "AveragePool" -> pool(n);
            case "GlobalAveragePool" -> {
                requireRank(n, runtime(n, 0), 4);
                emit(n, names.forLayer(n), new AdaptiveAvgPool2d(1), runtimeInputs(n, 1));
            }
            case "ReduceMean" -> reduceMean(n);
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Dropout" -> dropout(n);
            default -> throw unsupported(n, "");
        }
    }

    private void constant(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            Tensor t = switch (a.getName()) {
                case "value" -> TensorProtos.toTensor(file, a.getT(), "the value of Constant '" + name(n) + "'");
                case "value_float" -> Tensor.create(new float[] {a.getF()}, 1).reshape(new long[0]);
                case "value_floats" -> {
                    float[] v = new float[a.getFloatsCount()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = a.getFloats(i);
                    }
                    yield Tensor.create(v, v.length);
                }
                case "value_int" -> Tensor.create(new long[] {a.getI()}, 1).reshape(new long[0]);
                case "value_ints" -> Tensor.create(a.getIntsList().stream().mapToLong(Long::longValue).toArray(), a.getIntsCount());
                default -> throw unsupported(n, "with attribute '" + a.getName() + "' (the importer reads value, value_float(s)"
                        + " and value_int(s))");
            };
            constants.put(n.getOutput(0), t);
            return;
        }
        throw fail("Constant node '" + name(n) + "' has no value");
    }

    /** Evaluates shape arithmetic on constants (and Shape of a computed value, from the example). */
    private void fold(NodeProto n) {
        String op = n.getOpType();
        Tensor out = switch (op) {
            case "Shape" -> {
                Tensor x = example.containsKey(resolve(n.getInput(0))) ? example.get(resolve(n.getInput(0)))
                        : constant(n, 0);
                long[] s = x.shape();
                // opset 15+: start and end pick a range of the axes
                int from = (int) clampAxis(intAttr(n, "start", 0), s.length);
                int to = (int) clampAxis(intAttr(n, "end", s.length), s.length);
                long[] picked = Arrays.copyOfRange(s, from, Math.max(from, to));
                yield Tensor.create(picked, picked.length);
            }
            case "Gather" -> {
                Tensor data = constant(n, 0);
                Tensor idx = constant(n, 1);
                long axis = intAttr(n, "axis", 0);
                axis = axis < 0 ? axis + data.dim() : axis;
                Tensor flat = idx.reshape(-1);
                Tensor wrapped = flat.lt(new org.bytedeco.pytorch.Scalar(0)).to(torch.ScalarType.Long)
                        .mul(new org.bytedeco.pytorch.Scalar(data.size(axis))).add(flat);
                Tensor picked = data.index_select(axis, wrapped);
                long[] ds = data.shape();
                long[] is = idx.shape();
                long[] shape = LongStream.concat(LongStream.concat(Arrays.stream(ds, 0, (int) axis), Arrays.stream(is)),
                        Arrays.stream(ds, (int) axis + 1, ds.length)).toArray();
                yield picked.reshape(shape);
            }
            case "Unsqueeze", "Squeeze" -> {
                Tensor data = constant(n, 0);
                long[] axes = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? longs(constant(n, 1)) : ints(n, "axes", null);
                List<Long> shape = new ArrayList<>(Arrays.stream(data.shape()).boxed().toList());
                if (op.equals("Unsqueeze")) {
                    long rank = shape.size() + axes.length;
                    long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
                    for (long a : sorted) {
                        shape.add((int) a, 1L);
                    }
                } else {
                    long rank = shape.size();
                    long[] sorted = axes == null ? LongStream.range(0, rank).filter(a -> shape.get((int) a) == 1).toArray()
                            : Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
                    for (int i = sorted.length - 1; i >= 0; i--) {
                        shape.remove((int) sorted[i]);
                    }
                }
                yield data.reshape(shape.stream().mapToLong(Long::longValue).toArray());
            }
            case "Concat" -> {
                List<Tensor> parts = new ArrayList<>();
                for (int i = 0; i < n.getInputCount(); i++) {
                    parts.add(constant(n, i));
                }
                long axis = intAttr(n, "axis", 0);
                yield torch.cat(new TensorVector(parts.toArray(new Tensor[0])), axis);
            }
            case "Cast" -> {
                long to = intAttr(n, "to", TensorProto.DataType.FLOAT_VALUE);
                Tensor data = constant(n, 0);
                yield to == TensorProto.DataType.FLOAT_VALUE || to == TensorProto.DataType.DOUBLE_VALUE
                        ? data.to(torch.ScalarType.Float) : data.to(torch.ScalarType.Long);
            }
            case "Div", "Sub" -> {
                Tensor a = constant(n, 0);
                Tensor b = constant(n, 1);
                boolean integral = !a.is_floating_point() && !b.is_floating_point();
                yield op.equals("Sub") ? a.sub(b)
                        : integral ? a.to(torch.ScalarType.Double).div(b.to(torch.ScalarType.Double)).trunc()
                                .to(torch.ScalarType.Long) : a.div(b);
            }
            default -> throw new IllegalStateException(op);
        };
        constants.put(n.getOutput(0), out);
    }

    private void conv(NodeProto n) {
        Tensor x = runtime(n, 0);
        Tensor w = constant(n, 1);
        Tensor b = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2) : null;
        if (x.dim() != 4 || w.dim() != 4) {
            throw unsupported(n, "on a rank-" + x.dim() + " input with a rank-" + w.dim() + " weight (only 2-D convolutions)");
        }
        long group = intAttr(n, "group", 1);
        long[] k = {w.size(2), w.size(3)};
        long[] kernelShape = ints(n, "kernel_shape", k);
        if (!Arrays.equals(kernelShape, k)) {
            throw contradicts(n, 1, w, "kernel_shape " + Arrays.toString(kernelShape));
        }
        if (group <= 0 || w.size(1) * group != x.size(1) || w.size(0) % group != 0) {
            throw contradicts(n, 1, w, "an input of " + x.size(1) + " channels with group " + group + " (the weight must be"
                    + " [out, in/group, kH, kW] with out divisible by group)");
        }
        if (b != null && (b.dim() != 1 || b.size(0) != w.size(0))) {
            throw contradicts(n, 2, b, "a convolution with " + w.size(0) + " filters");
        }
        long[] strides = ints(n, "strides", new long[] {1, 1});
        long[] dilations = ints(n, "dilations", new long[] {1, 1});
        long[] pads = padding(n, x, k, strides, dilations);
        if (strides[0] != strides[1] || pads[0] != pads[1] || dilations[0] != dilations[1]) {
            throw unsupported(n, "with strides " + Arrays.toString(strides) + ", pads " + Arrays.toString(pads)
                    + " and dilations " + Arrays.toString(dilations) + " (Conv2d takes the same value for height and width)");
        }
        Conv2d conv = Conv2d.builder().setInChannels(x.size(1)).setOutChannels(w.size(0)).setKernelSize(k[0], k[1])
                .optStride(strides[0]).optPadding(pads[0]).optDilation(dilations[0]).optGroups(group).optBias(b != null)
                .build();
        conv.weight().copy_(w);
        if (b != null) {
            conv.bias().copy_(b);
        }
        emit(n, names.forWeights(n, 1), conv, List.of(resolve(n.getInput(0))));
    }

    /**
     * The symmetric padding {@code {pH, pW}} of a convolution or pooling node, from {@code pads} or
     * {@code auto_pad} (SAME_* resolved on the example's spatial size).
     */
    private long[] padding(NodeProto n, Tensor x, long[] k, long[] strides, long[] dilations) {
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        long[] pads;
        switch (autoPad) {
            case "NOTSET" -> pads = ints(n, "pads", new long[] {0, 0, 0, 0});
            case "VALID" -> pads = new long[] {0, 0, 0, 0};
            case "SAME_UPPER", "SAME_LOWER" -> {
                pads = new long[4];
                for (int d = 0; d < 2; d++) {
                    long in = x.size(2 + d);
                    long out = (in + strides[d] - 1) / strides[d];
                    long total = Math.max((out - 1) * strides[d] + (k[d] - 1) * dilations[d] + 1 - in, 0);
                    long small = total / 2;
                    pads[d] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pads[d + 2] = total - pads[d];
                }
            }
            default -> throw unsupported(n, "with auto_pad '" + autoPad + "'");
        }
        if (pads.length != 4 || pads[0] != pads[2] || pads[1] != pads[3]) {
            throw unsupported(n, "with pads " + Arrays.toString(pads) + (autoPad.equals("NOTSET") ? "" : " (from auto_pad "
                    + autoPad + ")") + ": only the same padding at both ends of an axis is supported");
        }
        return new long[] {pads[0], pads[1]};
    }

    private void gemm(NodeProto n) {
        Tensor x = runtime(n, 0);
        Tensor bMatrix = constant(n, 1);
        if (intAttr(n, "transA", 0) != 0) {
            throw unsupported(n, "with transA=1");
        }
        if (x.dim() != 2 || bMatrix.dim() != 2) {
            throw contradicts(n, 1, bMatrix, "a Gemm of a rank-" + x.dim() + " input (both operands must be matrices)");
        }
        Tensor w = intAttr(n, "transB", 0) != 0 ? bMatrix : bMatrix.t();
        if (w.size(1) != x.size(1)) {
            throw contradicts(n, 1, bMatrix, "an input of " + x.size(1) + " features (transB=" + intAttr(n, "transB", 0) + ")");
        }
        double alpha = floatAttr(n, "alpha", 1.0);
        double beta = floatAttr(n, "beta", 1.0);
        Tensor c = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2) : null;
        if (c != null && c.numel() != w.size(0) && c.numel() != 1) {
            throw contradicts(n, 2, c, "a Gemm with " + w.size(0) + " outputs");
        }
        Linear linear = new Linear(w.size(1), w.size(0), c != null);
        linear.weight().copy_(alpha == 1.0 ? w : w.mul(new org.bytedeco.pytorch.Scalar(alpha)));
        if (c != null) {
            Tensor bias = c.reshape(-1).expand(w.size(0));
            linear.bias().copy_(beta == 1.0 ? bias : bias.mul(new org.bytedeco.pytorch.Scalar(beta)));
        }
        emit(n, names.forWeights(n, 1, 2), linear, List.of(resolve(n.getInput(0))));
    }

    /** {@code MatMul(x, B)} with constant {@code B [in, out]}, and the {@code Add} of a constant bias after it. */
    private void matMul(int index, NodeProto n) {
        if (isConstant(resolve(n.getInput(0))) || !isConstant(resolve(n.getInput(1)))) {
            throw unsupported(n, "of two computed values or with a constant left operand (only x · W with a constant W)");
        }
        Tensor x = runtime(n, 0);
        Tensor b = constant(n, 1);
        if (b.dim() != 2 || x.size(-1) != b.size(0)) {
            throw contradicts(n, 1, b, "a MatMul of an input of shape " + Arrays.toString(x.shape()) + " (must be [in, out])");
        }
        String out = n.getOutput(0);
        int addIndex = -1;
        String biasName = null;
        if (readers.getOrDefault(out, 0) == 1 && !graphOutputs.contains(out)) {
            for (int j = index + 1; j < nodes.size(); j++) {
                NodeProto next = nodes.get(j);
                if (next.getInputList().contains(out)) {
                    if (next.getOpType().equals("Add") && next.getInputCount() == 2) {
                        String other = next.getInput(0).equals(out) ? next.getInput(1) : next.getInput(0);
                        if (isConstant(resolve(other)) && constantValue(resolve(other)).numel() == b.size(1)) {
                            addIndex = j;
                            biasName = other;
                        }
                    }
                    break;
                }
            }
        }
        Linear linear = new Linear(b.size(0), b.size(1), addIndex >= 0);
        linear.weight().copy_(b.t());
        String path;
        if (addIndex >= 0) {
            linear.bias().copy_(constantValue(resolve(biasName)).reshape(-1));
            fused.add(addIndex);
            path = LayerNames.keyPrefix(biasName) != null ? LayerNames.keyPrefix(biasName) : names.forWeights(n, 1);
            out = nodes.get(addIndex).getOutput(0);
        } else {
            path = names.forWeights(n, 1);
        }
        emit(n, path, linear, List.of(resolve(n.getInput(0))), out);
    }

    private void batchNorm(NodeProto n) {
        Tensor x = runtime(n, 0);
        if (intAttr(n, "training_mode", 0) != 0 || n.getOutputList().stream().skip(1).anyMatch(s -> !s.isEmpty())) {
            throw unsupported(n, "in training mode (export the model in eval mode, or with"
                    + " training=torch.onnx.TrainingMode.PRESERVE from eval mode)");
        }
        if (x.dim() != 4 && x.dim() != 2 && x.dim() != 3) {
            throw unsupported(n, "on a rank-" + x.dim() + " input");
        }
        long c = x.size(1);
        String[] roles = {"scale", "bias", "mean", "var"};
        Tensor[] v = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            v[i] = constant(n, i + 1);
            if (v[i].dim() != 1 || v[i].size(0) != c) {
                throw contradicts(n, i + 1, v[i], "the " + roles[i] + " of a batch norm over " + c + " channels");
            }
        }
        double eps = floatAttr(n, "epsilon", 1e-5);
        double momentum = 1 - floatAttr(n, "momentum", 0.9);
        BatchNorm bn = x.dim() == 4 ? BatchNorm2d.builder().setNumFeatures(c).optEps(eps).optMomentum(momentum).build()
                : BatchNorm1d.builder().setNumFeatures(c).optEps(eps).optMomentum(momentum).build();
        bn.weight().copy_(v[0]);
        bn.bias().copy_(v[1]);
        bn.runningMean().copy_(v[2]);
        bn.runningVar().copy_(v[3]);
        emit(n, names.forWeights(n, 1, 2, 3, 4), bn, List.of(resolve(n.getInput(0))));
    }

    private void clip(NodeProto n) {
        runtime(n, 0);
        OptionalDouble min = bound(n, 1);
        OptionalDouble max = bound(n, 2);
        Module m;
        if (min.isPresent() && min.getAsDouble() == 0 && max.isPresent() && max.getAsDouble() == 6) {
            m = new ReLU6();
        } else if (min.isPresent() && min.getAsDouble() == 0 && max.isEmpty()) {
            m = new ReLU();
        } else if (min.isEmpty() && max.isEmpty()) {
            aliases.put(n.getOutput(0), resolve(n.getInput(0)));
            return;
        } else {
            m = new Clamp(min, max);
        }
        emit(n, names.forLayer(n), m, List.of(resolve(n.getInput(0))));
    }

    private OptionalDouble bound(NodeProto n, int i) {
        if (n.getInputCount() <= i || n.getInput(i).isEmpty()) {
            return OptionalDouble.empty();
        }
        Tensor t = constant(n, i);
        if (t.numel() != 1) {
            throw contradicts(n, i, t, "a Clip bound (a scalar)");
        }
        return OptionalDouble.of(decimal(t));
    }

    private void arithmetic(NodeProto n) {
        Elementwise.Op op = Elementwise.Op.valueOf(n.getOpType().toUpperCase(java.util.Locale.ROOT));
        String a = resolve(n.getInput(0));
        String b = resolve(n.getInput(1));
        boolean ca = isConstant(a);
        boolean cb = isConstant(b);
        if (ca && cb) {
            Tensor x = constantValue(a);
            Tensor y = constantValue(b);
            constants.put(n.getOutput(0), op.apply(x, y));
            return;
        }
        if (ca || cb) {
            Tensor c = constantValue(ca ? a : b).to(torch.ScalarType.Float);
            emit(n, names.forLayer(n), new ConstantOperand(op, c, ca), List.of(ca ? b : a));
            return;
        }
        Tensor x = example.get(a);
        Tensor y = example.get(b);
        Module m = op == Elementwise.Op.ADD && Arrays.equals(x.shape(), y.shape()) ? new Add() : new Elementwise(op);
        emit(n, names.forLayer(n), m, List.of(a, b));
    }

    private void concat(NodeProto n) {
        List<String> in = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) {
            runtime(n, i);
            in.add(resolve(n.getInput(i)));
        }
        long rank = example.get(in.get(0)).dim();
        long axis = intAttr(n, "axis", 1);
        if ((axis < 0 ? axis + rank : axis) != 1) {
            throw unsupported(n, "along axis " + axis + " of rank-" + rank + " values (only along the channels, axis 1)");
        }
        emit(n, names.forLayer(n), new Concat(), in);
    }

    private void pool(NodeProto n) {
        Tensor x = runtime(n, 0);
        requireRank(n, x, 4);
        boolean max = n.getOpType().equals("MaxPool");
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
            throw unsupported(n, "with its Indices output");
        }
        if (intAttr(n, "storage_order", 0) != 0) {
            throw unsupported(n, "with storage_order=1");
        }
        long[] k = ints(n, "kernel_shape", null);
        if (k == null || k.length != 2) {
            throw unsupported(n, "with kernel_shape " + (k == null ? "missing" : Arrays.toString(k)) + " (2-D pooling only)");
        }
        long[] strides = ints(n, "strides", new long[] {1, 1});
        long[] dilations = ints(n, "dilations", new long[] {1, 1});
        long[] pads = padding(n, x, k, strides, dilations);
        boolean ceil = intAttr(n, "ceil_mode", 0) != 0;
        boolean countPad = intAttr(n, "count_include_pad", 0) != 0;
        boolean square = k[0] == k[1] && strides[0] == strides[1] && pads[0] == pads[1];
        Module m;
        if (square && !ceil && dilations[0] == 1 && dilations[1] == 1 && pads[0] <= k[0] / 2
                && (max || countPad || pads[0] == 0)) {
            m = max ? new MaxPool2d(k[0], strides[0], pads[0]) : new AvgPool2d(k[0], strides[0], pads[0]);
        } else {
            try {
                m = new Pool2dFull(max ? Pool2dFull.Kind.MAX : Pool2dFull.Kind.AVG, k, strides, pads, dilations, ceil, countPad);
            } catch (IllegalArgumentException e) {
                throw unsupported(n, "with these attributes: " + e.getMessage());
            }
        }
        emit(n, names.forLayer(n), m, List.of(resolve(n.getInput(0))));
    }

    private void reduceMean(NodeProto n) {
        Tensor x = runtime(n, 0);
        long[] axes = ints(n, "axes", null);
        long[] spatial = axes == null ? null : Arrays.stream(axes).map(a -> a < 0 ? a + x.dim() : a).sorted().toArray();
        if (x.dim() != 4 || !Arrays.equals(spatial, new long[] {2, 3})) {
            throw unsupported(n, "over axes " + (axes == null ? "all" : Arrays.toString(axes)) + " of a rank-" + x.dim()
                    + " value (only over both spatial axes of [N, C, H, W])");
        }
        String path = names.forLayer(n);
        if (intAttr(n, "keepdims", 1) != 0) {
            emit(n, path, new AdaptiveAvgPool2d(1), List.of(resolve(n.getInput(0))));
        } else {
            String pooled = n.getOutput(0) + "::pooled";
            emit(n, path, new AdaptiveAvgPool2d(1), List.of(resolve(n.getInput(0))), pooled);
            emit(n, path + "_flatten", new Flatten(), List.of(pooled), n.getOutput(0));
        }
    }

    private void flatten(NodeProto n) {
        Tensor x = runtime(n, 0);
        long axis = intAttr(n, "axis", 1);
        if ((axis < 0 ? axis + x.dim() : axis) != 1) {
            throw unsupported(n, "with axis " + axis + " (only axis 1, which keeps the batch axis)");
        }
        emit(n, names.forLayer(n), new Flatten(), List.of(resolve(n.getInput(0))));
    }

    private void reshape(NodeProto n) {
        String source = resolve(n.getInput(0));
        Shuffle pending = pendingShuffles.remove(source);
        if (pending != null) {
            source = pending.source();
        }
        Tensor x = pending != null ? example.get(source) : runtime(n, 0);
        long[] target = target(n, pending != null ? shuffled(x.shape(), pending.groups()) : x.shape());
        long[] in = x.shape();
        if (pending != null) {
            if (!Arrays.equals(target, in)) {
                throw unsupported(n, "to " + Arrays.toString(target) + " after the Reshape and Transpose of '" + pending.node()
                        + "' (a channel shuffle reshapes back to " + Arrays.toString(in) + ")");
            }
            emit(n, names.forLayer(n), new ChannelShuffle(pending.groups()), List.of(source));
            return;
        }
        if (Arrays.equals(target, in)) {
            aliases.put(n.getOutput(0), source);
            return;
        }
        long features = Arrays.stream(in).skip(1).reduce(1, Math::multiplyExact);
        if (in.length >= 2 && target.length == 2 && target[0] == in[0] && target[1] == features) {
            emit(n, names.forLayer(n), new Flatten(), List.of(source));
            return;
        }
        if (in.length == 4 && target.length == 5 && target[0] == in[0] && target[1] * target[2] == in[1]
                && target[3] == in[2] && target[4] == in[3]) {
            pendingShuffles.put(n.getOutput(0), new Shuffle(source, target[1], 1, name(n)));
            return;
        }
        throw unsupported(n, "from " + Arrays.toString(in) + " to " + Arrays.toString(target)
                + " (only flattening to [batch, features], the same shape, and a channel shuffle)");
    }

    /** The shape of {@code [N, C, H, W]} after a channel shuffle's Reshape and Transpose: {@code [N, C/g, g, H, W]}. */
    private static long[] shuffled(long[] s, long groups) {
        return new long[] {s[0], s[1] / groups, groups, s[2], s[3]};
    }

    /** A Reshape's target with {@code 0} (copy, unless allowzero) and {@code -1} (infer) resolved for {@code in}. */
    private long[] target(NodeProto n, long[] in) {
        Tensor t = constant(n, 1);
        long[] target = longs(t);
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        long known = 1;
        int infer = -1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw contradicts(n, 1, t, "a Reshape of a rank-" + in.length + " value (0 copies a dimension it lacks)");
                }
                target[i] = in[i];
            }
            if (target[i] == -1) {
                infer = i;
            } else {
                known *= target[i];
            }
        }
        long total = Arrays.stream(in).reduce(1, Math::multiplyExact);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw contradicts(n, 1, t, "a Reshape of " + Arrays.toString(in));
            }
            target[infer] = total / known;
        } else if (known != total) {
            throw contradicts(n, 1, t, "a Reshape of " + Arrays.toString(in));
        }
        return target;
    }

    private void transpose(NodeProto n) {
        String source = resolve(n.getInput(0));
        Shuffle pending = pendingShuffles.remove(source);
        long[] perm = ints(n, "perm", null);
        if (pending != null && pending.stage() == 1 && Arrays.equals(perm, new long[] {0, 2, 1, 3, 4})
                && readers.getOrDefault(n.getOutput(0), 0) == 1) {
            pendingShuffles.put(n.getOutput(0), new Shuffle(pending.source(), pending.groups(), 2, pending.node()));
            return;
        }
        Tensor x = pending != null ? null : runtime(n, 0);
        if (x != null && perm != null && Arrays.equals(perm, LongStream.range(0, x.dim()).toArray())) {
            aliases.put(n.getOutput(0), source);
            return;
        }
        throw unsupported(n, "with perm " + (perm == null ? "reversed" : Arrays.toString(perm))
                + " (only the Transpose(perm=[0, 2, 1, 3, 4]) of a channel shuffle, between its two Reshapes)");
    }

    private void dropout(NodeProto n) {
        runtime(n, 0);
        if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty() && readers.getOrDefault(n.getOutput(1), 0) > 0) {
            throw unsupported(n, "with its mask output in use");
        }
        double p = 0.5;
        if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            p = decimal(constant(n, 1));
        } else if (hasAttr(n, "ratio")) {
            p = floatAttr(n, "ratio", 0.5);
        }
        emit(n, names.forLayer(n), new Dropout(p), List.of(resolve(n.getInput(0))));
    }

    // ---------------------------------------------------------------- layers into the tree

    private void emit(NodeProto n, String path, Module m, List<String> inputs) {
        emit(n, path, m, inputs, n.getOutput(0));
    }

    /** Places the layer in the tree, adds its step and runs it on the example values. */
    private void emit(NodeProto n, String path, Module m, List<String> inputs, String output) {
        m.eval();
        model.place(path, m);
        ImportedModel.Step step = new ImportedModel.Step(m, List.copyOf(inputs), output);
        Tensor y;
        try {
            y = ImportedModel.run(step, example);
        } catch (RuntimeException e) {
            throw fail("node '" + name(n) + "' (" + n.getOpType() + ") fails on inputs of shape " + inputs.stream()
                    .map(s -> Arrays.toString(example.get(s).shape())).collect(Collectors.joining(", ")) + ": "
                    + firstLine(e.getMessage()));
        }
        example.put(output, y);
        model.addStep(step);
    }

    // ---------------------------------------------------------------- values

    private String resolve(String name) {
        String r = name;
        while (aliases.containsKey(r)) {
            r = aliases.get(r);
        }
        return r;
    }

    private boolean isConstant(String resolved) {
        return constants.containsKey(resolved) || initializers.containsKey(resolved);
    }

    private Tensor constantValue(String resolved) {
        Tensor t = constants.get(resolved);
        if (t == null) {
            t = TensorProtos.toTensor(file, initializers.get(resolved), "initializer '" + resolved + "'");
            constants.put(resolved, t);
        }
        return t;
    }

    /** Input {@code i} of {@code n}, which must be a constant (an initializer, a Constant or folded). */
    private Tensor constant(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            throw fail("node '" + name(n) + "' (" + n.getOpType() + ") lacks input " + i);
        }
        String r = resolve(n.getInput(i));
        if (!isConstant(r)) {
            throw unsupported(n, "with a computed input " + i + " ('" + n.getInput(i) + "'), where the importer needs a"
                    + " constant (an initializer)");
        }
        return constantValue(r);
    }

    /** Input {@code i} of {@code n}, which must be a computed value: its example tensor. */
    private Tensor runtime(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            throw fail("node '" + name(n) + "' (" + n.getOpType() + ") lacks input " + i);
        }
        Tensor t = example.get(resolve(n.getInput(i)));
        if (t == null) {
            throw unsupported(n, "with a constant input " + i + " ('" + n.getInput(i) + "'), where the importer needs a"
                    + " value computed from the model input");
        }
        return t;
    }

    private List<String> runtimeInputs(NodeProto n, int count) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            runtime(n, i);
            out.add(resolve(n.getInput(i)));
        }
        return out;
    }

    private void requireRank(NodeProto n, Tensor x, int rank) {
        if (x.dim() != rank) {
            throw unsupported(n, "on a rank-" + x.dim() + " input (only rank " + rank + ")");
        }
    }

    /** An axis index of {@code rank} axes, negative counting from the end, clamped to {@code [0, rank]}. */
    private static long clampAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return Math.max(0, Math.min(rank, a));
    }

    /** A one-value constant as the decimal a float32 holds (0.2, not 0.20000000298), as {@link #floatAttr} reads. */
    private static double decimal(Tensor t) {
        return t.is_floating_point() ? Double.parseDouble(Float.toString(t.to(torch.ScalarType.Float).item_float()))
                : t.to(torch.ScalarType.Double).item_double();
    }

    private static long[] longs(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Long).contiguous().reshape(-1);
        long[] out = new long[(int) c.numel()];
        c.data_ptr_long().get(out);
        return out;
    }

    // ---------------------------------------------------------------- attributes

    private static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static boolean hasAttr(NodeProto n, String name) {
        return attr(n, name) != null;
    }

    private static long intAttr(NodeProto n, String name, long fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getI();
    }

    /** A float attribute, as the decimal it was written from (1e-5, not 9.99999974e-6). */
    private static double floatAttr(NodeProto n, String name, double fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : Double.parseDouble(Float.toString(a.getF()));
    }

    private static long[] ints(NodeProto n, String name, long[] fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static String stringAttr(NodeProto n, String name, String fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    // ---------------------------------------------------------------- errors

    private static String name(NodeProto n) {
        return n.getName().isEmpty() ? "(unnamed " + n.getOpType() + " writing " + n.getOutputList() + ")" : n.getName();
    }

    private OnnxImportException fail(String problem) {
        return new OnnxImportException(file, problem, null);
    }

    private OnnxImportException unsupported(NodeProto n, String detail) {
        boolean known = SUPPORTED_OPS.contains(n.getOpType()) && (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"));
        return fail("node '" + name(n) + "' has op type " + n.getOpType() + (detail.isEmpty() ? "" : " " + detail)
                + (known ? ", a form the importer does not support" : ", which the importer does not support") + "; supported: "
                + String.join(", ", SUPPORTED_OPS));
    }

    private OnnxImportException contradicts(NodeProto n, int input, Tensor t, String what) {
        return fail("node '" + name(n) + "' (" + n.getOpType() + "): initializer '" + n.getInput(input) + "' has shape "
                + Arrays.toString(t.shape()) + ", which contradicts " + what);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
