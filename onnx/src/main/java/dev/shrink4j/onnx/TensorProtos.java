package dev.shrink4j.onnx;

import com.google.protobuf.ByteString;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/** Reads ONNX {@code TensorProto}s (initializers, {@code Constant} values) into libtorch tensors. */
final class TensorProtos {

    private TensorProtos() {
    }

    /**
     * The tensor: float32 for FLOAT and DOUBLE data, int64 for INT64, INT32, INT8, UINT8 and BOOL data, from
     * {@code raw_data} (little-endian) or the typed fields.
     *
     * @throws OnnxImportException naming the tensor for external data, another element type, or a data length that
     *                             does not match the shape (a truncated or damaged file)
     */
    static Tensor toTensor(Path file, TensorProto t, String what) {
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long numel = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new OnnxImportException(file, what + " has a negative dimension " + Arrays.toString(dims), null);
            }
            numel = Math.multiplyExact(numel, d);
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new OnnxImportException(file, what + " keeps its data in an external file, which the importer does not"
                    + " read (save the model with its weights inside the .onnx file)", null);
        }
        int n = Math.toIntExact(numel);
        ByteString raw = t.getRawData();
        boolean hasRaw = !raw.isEmpty();
        int type = t.getDataType();
        Tensor out;
        switch (type) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                float[] v = new float[n];
                if (hasRaw) {
                    checkLength(file, what, dims, raw.size(), 4L * n);
                    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                } else {
                    checkLength(file, what, dims, t.getFloatDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getFloatData(i);
                    }
                }
                out = Tensor.create(v, n);
            }
            case TensorProto.DataType.DOUBLE_VALUE -> {
                float[] v = new float[n];
                if (hasRaw) {
                    checkLength(file, what, dims, raw.size(), 8L * n);
                    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) b.getDouble(8 * i);
                    }
                } else {
                    checkLength(file, what, dims, t.getDoubleDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) t.getDoubleData(i);
                    }
                }
                out = Tensor.create(v, n);
            }
            case TensorProto.DataType.INT64_VALUE -> {
                long[] v = new long[n];
                if (hasRaw) {
                    checkLength(file, what, dims, raw.size(), 8L * n);
                    raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
                } else {
                    checkLength(file, what, dims, t.getInt64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getInt64Data(i);
                    }
                }
                out = Tensor.create(v, n);
            }
            case TensorProto.DataType.INT32_VALUE, TensorProto.DataType.INT8_VALUE, TensorProto.DataType.UINT8_VALUE,
                    TensorProto.DataType.BOOL_VALUE -> {
                long[] v = new long[n];
                int width = type == TensorProto.DataType.INT32_VALUE ? 4 : 1;
                if (hasRaw) {
                    checkLength(file, what, dims, raw.size(), (long) width * n);
                    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        v[i] = width == 4 ? b.getInt(4 * i) : type == TensorProto.DataType.INT8_VALUE ? b.get(i) : b.get(i) & 0xff;
                    }
                } else {
                    // ONNX keeps int32, int8, uint8 and bool values in int32_data
                    checkLength(file, what, dims, t.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        v[i] = t.getInt32Data(i);
                    }
                }
                out = Tensor.create(v, n);
            }
            default -> throw new OnnxImportException(file, what + " has element type "
                    + TensorProto.DataType.forNumber(type) + "; the importer reads float, double, int64, int32, int8, uint8"
                    + " and bool tensors", null);
        }
        return out.reshape(dims);
    }

    private static void checkLength(Path file, String what, long[] dims, long have, long need) {
        if (have != need) {
            throw new OnnxImportException(file, what + " holds " + have + " data units where its shape " + Arrays.toString(dims) + " needs " + need + " (a truncated or damaged file)", null);
        }
    }
}
