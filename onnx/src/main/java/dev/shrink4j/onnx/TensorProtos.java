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
        int type = t.getDataType();
        Tensor out = switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.DOUBLE_VALUE -> Tensor.create(floats(file, what, dims, t, n), n);
            case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.INT8_VALUE,
                    TensorProto.DataType.UINT8_VALUE, TensorProto.DataType.BOOL_VALUE -> Tensor.create(longs(file, what, dims, t, n), n);
            default -> throw new OnnxImportException(file, what + " has element type "
                    + TensorProto.DataType.forNumber(type) + "; the importer reads float, double, int64, int32, int8, uint8"
                    + " and bool tensors", null);
        };
        return out.reshape(dims);
    }

    /** FLOAT or DOUBLE data as floats, from raw_data (little-endian) or float_data/double_data. */
    private static float[] floats(Path file, String what, long[] dims, TensorProto t, int n) {
        boolean single = t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
        float[] v = new float[n];
        ByteString raw = t.getRawData();
        if (!raw.isEmpty()) {
            int width = single ? 4 : 8;
            checkLength(file, what, dims, raw.size(), (long) width * n);
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                v[i] = single ? b.getFloat(4 * i) : (float) b.getDouble(8 * i);
            }
        } else {
            checkLength(file, what, dims, single ? t.getFloatDataCount() : t.getDoubleDataCount(), n);
            for (int i = 0; i < n; i++) {
                v[i] = single ? t.getFloatData(i) : (float) t.getDoubleData(i);
            }
        }
        return v;
    }

    /**
     * Integer or bool data as longs, from raw_data (little-endian) or int64_data (INT64) / int32_data (where ONNX
     * keeps INT32, INT8, UINT8 and BOOL values).
     */
    private static long[] longs(Path file, String what, long[] dims, TensorProto t, int n) {
        int type = t.getDataType();
        int width = type == TensorProto.DataType.INT64_VALUE ? 8 : type == TensorProto.DataType.INT32_VALUE ? 4 : 1;
        long[] v = new long[n];
        ByteString raw = t.getRawData();
        if (!raw.isEmpty()) {
            checkLength(file, what, dims, raw.size(), (long) width * n);
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                v[i] = switch (width) {
                    case 8 -> b.getLong(8 * i);
                    case 4 -> b.getInt(4 * i);
                    default -> type == TensorProto.DataType.INT8_VALUE ? b.get(i) : b.get(i) & 0xff;
                };
            }
        } else if (width == 8) {
            checkLength(file, what, dims, t.getInt64DataCount(), n);
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt64Data(i);
            }
        } else {
            checkLength(file, what, dims, t.getInt32DataCount(), n);
            for (int i = 0; i < n; i++) {
                v[i] = t.getInt32Data(i);
            }
        }
        return v;
    }

    private static void checkLength(Path file, String what, long[] dims, long have, long need) {
        if (have != need) {
            throw new OnnxImportException(file, what + " holds " + have + " data units where its shape " + Arrays.toString(dims) + " needs " + need + " (a truncated or damaged file)", null);
        }
    }
}
