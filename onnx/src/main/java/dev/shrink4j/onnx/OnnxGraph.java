package dev.shrink4j.onnx;

import com.google.protobuf.ByteString;
import dev.shrink4j.onnx.proto.OnnxProtos.AttributeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.GraphProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorShapeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TypeProto;
import dev.shrink4j.onnx.proto.OnnxProtos.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * An ONNX graph under construction: initializers (tensor bytes copied out of libtorch as they are added),
 * nodes in topological order, and one namespace for values and initializers, in which every name is
 * unique. Small constants (Clip bounds, Slice starts, …) are shared by value.
 */
final class OnnxGraph {

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final List<NodeProto.Builder> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final Map<String, String> constants = new HashMap<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** Whether a value or initializer is called {@code name}. */
    boolean has(String name) {
        return names.contains(name);
    }

    /** {@code base}, or {@code base_2}, {@code base_3}, … when taken: a name no value or initializer has yet. */
    String freshName(String base) {
        String name = base;
        for (int k = 2; names.contains(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    /**
     * Adds an initializer holding {@code t}'s values (float32, int8, uint8, int32 or int64, any shape).
     *
     * @throws IllegalStateException when the name is taken
     */
    String initializer(String name, Tensor t) {
        claim(name);
        graph.addInitializer(tensorProto(name, t));
        return name;
    }

    /** Adds a 1-D int64 initializer. */
    String int64Initializer(String name, long... values) {
        claim(name);
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        b.flip();
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).setRawData(ByteString.copyFrom(b)));
        return name;
    }

    /** A shared 0-d float32 constant. */
    String floatScalar(float value) {
        return constants.computeIfAbsent("float:" + Float.floatToRawIntBits(value), k -> {
            String name = freshName("const_f32_" + Float.toString(value).replace('-', 'm'));
            claim(name);
            ByteBuffer b = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
            b.flip();
            graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(ByteString.copyFrom(b)));
            return name;
        });
    }

    /** A shared 0-d int8 ({@code unsigned} false) or uint8 constant. */
    String byteScalar(long value, boolean unsigned) {
        return constants.computeIfAbsent((unsigned ? "u8:" : "i8:") + value, k -> {
            String name = freshName("const_" + (unsigned ? "u8_" : "i8_") + Long.toString(value).replace('-', 'm'));
            claim(name);
            graph.addInitializer(TensorProto.newBuilder().setName(name)
                    .setDataType(unsigned ? TensorProto.DataType.UINT8_VALUE : TensorProto.DataType.INT8_VALUE)
                    .setRawData(ByteString.copyFrom(new byte[] {(byte) value})));
            return name;
        });
    }

    /**
     * Adds a node computing {@code output} from {@code inputs} (an empty string is an omitted optional input).
     *
     * @return {@code output}
     */
    String node(String opType, String nodeName, List<String> inputs, String output, AttributeProto... attributes) {
        claim(output);
        String unique = nodeName;
        for (int k = 2; !nodeNames.add(unique); k++) {
            unique = nodeName + "_" + k;
        }
        nodes.add(NodeProto.newBuilder().setOpType(opType).setName(unique).addAllInput(inputs).addOutput(output)
                .addAllAttribute(Arrays.asList(attributes)));
        return output;
    }

    /** Declares a graph input of float32 tensors with {@code dims}; a null entry is the symbolic {@code batch} axis. */
    void input(String name, String batchDim, List<Long> dims) {
        claim(name);
        graph.addInput(valueInfo(name, batchDim, dims));
    }

    /**
     * Declares value {@code value} a graph output named {@code name}: the node producing {@code value} is renamed
     * to produce {@code name}, or, when {@code value} is a graph input (a model that returns its input), an
     * {@code Identity} node copies it.
     */
    void output(String value, String name, String batchDim, List<Long> dims) {
        NodeProto.Builder producer = null;
        for (NodeProto.Builder n : nodes) {
            if (n.getOutputList().contains(value)) {
                producer = n;
            }
        }
        if (producer == null || value.equals(name)) {
            node("Identity", name, List.of(value), name);
        } else {
            claim(name);
            producer.setOutput(producer.getOutputList().indexOf(value), name);
            for (NodeProto.Builder n : nodes) {
                for (int i = 0; i < n.getInputCount(); i++) {
                    if (n.getInput(i).equals(value)) {
                        n.setInput(i, name);
                    }
                }
            }
        }
        graph.addOutput(valueInfo(name, batchDim, dims));
    }

    /** The number of nodes so far. */
    int nodeCount() {
        return nodes.size();
    }

    /** The graph. */
    GraphProto build() {
        GraphProto.Builder g = graph.clone();
        nodes.forEach(g::addNode);
        return g.build();
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX graph: the name \"" + name + "\" is used twice");
        }
    }

    private static ValueInfoProto valueInfo(String name, String batchDim, List<Long> dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.size(); i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (i == 0 && batchDim != null) {
                d.setDimParam(batchDim);
            } else {
                d.setDimValue(dims.get(i));
            }
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    /** An initializer from a libtorch tensor: dims, ONNX element type and the little-endian bytes. */
    static TensorProto tensorProto(String name, Tensor t) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("ONNX raw_data is little-endian; this host is " + ByteOrder.nativeOrder());
        }
        torch.ScalarType type = t.scalar_type().intern();
        int onnxType = switch (type) {
            case Float -> TensorProto.DataType.FLOAT_VALUE;
            case Char -> TensorProto.DataType.INT8_VALUE;
            case Byte -> TensorProto.DataType.UINT8_VALUE;
            case Int -> TensorProto.DataType.INT32_VALUE;
            case Long -> TensorProto.DataType.INT64_VALUE;
            default -> throw new IllegalArgumentException("ONNX export of " + name + ": dtype " + type
                    + " is not supported (float32, int8, uint8, int32, int64)");
        };
        Tensor c = t.detach().contiguous();
        long bytes = c.numel() * c.element_size();
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(onnxType);
        for (long d : c.shape()) {
            b.addDims(d);
        }
        if (bytes > 0) {
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ONNX export of " + name + ": " + bytes
                        + " bytes exceed what one protobuf initializer holds (2 GB)");
            }
            BytePointer p = new BytePointer(c.data_ptr()).capacity(bytes);
            b.setRawData(ByteString.copyFrom(p.asByteBuffer()));
        }
        return b.build();
    }

    // ---------------------------------------------------------------- attributes

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }
}
