package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.TensorDifferences;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    /** A little-endian buffer for building file bytes by hand. */
    static ByteBuffer le() {
        return ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Header length, header padded with spaces to a multiple of 8, then each buffer's written bytes. */
    static byte[] fileBytes(String json, ByteBuffer... data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        int dataLength = 0;
        for (ByteBuffer b : data) {
            dataLength += b.position();
        }
        ByteBuffer out = ByteBuffer.allocate(8 + padded + dataLength).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (ByteBuffer b : data) {
            out.put(b.flip());
        }
        return out.array();
    }

    // What Python's safetensors.torch.save_file({"w": torch.tensor([[1.5, -2.0]]), "n": torch.tensor([7, -3])},
    // metadata={"format": "pt"}) writes: metadata first, I64 laid out before F32 (Python orders by dtype
    // size, then name), compact JSON, padded with spaces to 144 bytes.
    static final String PYTHON_HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"n\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[16,24]}}";

    static byte[] pythonFile() {
        return fileBytes(PYTHON_HEADER, le().putLong(7).putLong(-3), le().putFloat(1.5f).putFloat(-2.0f));
    }

    @Test
    void handBuiltPythonFileLoadsWithTheRightValues() throws IOException {
        Path file = dir.resolve("python.safetensors");
        Files.write(file, pythonFile());
        Map<String, Tensor> loaded = SafeTensors.load(file);
        assertEquals(List.of("n", "w"), new ArrayList<>(loaded.keySet()));
        Tensor n = loaded.get("n");
        assertEquals(torch.ScalarType.Long, n.scalar_type().intern());
        assertArrayEquals(new long[] {2}, n.shape());
        long[] nv = new long[2];
        n.data_ptr_long().get(nv);
        assertArrayEquals(new long[] {7, -3}, nv);
        Tensor w = loaded.get("w");
        assertEquals(torch.ScalarType.Float, w.scalar_type().intern());
        assertArrayEquals(new long[] {1, 2}, w.shape());
        float[] wv = new float[2];
        w.data_ptr_float().get(wv);
        assertArrayEquals(new float[] {1.5f, -2.0f}, wv);
        assertFalse(w.requires_grad());
        assertEquals(Map.of("format", "pt"), SafeTensors.metadata(file));
    }

    @Test
    void savedFileIsByteForByteWhatPythonWrites() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("n", Tensor.create(new long[] {7, -3}, 2));
        tensors.put("w", Tensor.create(new float[] {1.5f, -2.0f}, 1, 2));
        Path file = dir.resolve("java.safetensors");
        SafeTensors.save(tensors, Map.of("format", "pt"), file);
        byte[] expected = pythonFile();
        assertEquals(8 + 144 + 24, expected.length); // 143 header bytes + 1 space of padding
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void withoutMetadataTheHeaderHasNoMetadataEntry() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        SafeTensors.save(Map.of("x", Tensor.create(new float[] {1f})), file);
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertArrayEquals(fileBytes(json, le().putFloat(1f)), Files.readAllBytes(file));
        assertEquals(Map.of(), SafeTensors.metadata(file));
    }

    /** One tensor of every dtype, with edge-case bit patterns; BF16/F16 are built from their raw bits. */
    static Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("f64", Tensor.create(new double[] {Math.PI, -0.0, Double.MIN_VALUE, Double.MAX_VALUE}, 2, 2));
        m.put("f32", Tensor.create(new float[] {1.5f, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY}));
        // F16: 1.0, -65504 (lowest), smallest subnormal, +inf, a NaN with payload.
        m.put("f16", Tensor.create(new short[] {0x3C00, (short) 0xFBFF, 0x0001, 0x7C00, 0x7E01}).view(torch.ScalarType.Half));
        // BF16: 1.0, -2.0, smallest subnormal, +inf, a NaN with payload, 1.0078125 (last mantissa bit).
        m.put("bf16", Tensor.create(new short[] {0x3F80, (short) 0xC000, 0x0001, 0x7F80, 0x7FC1, 0x3F81}, 2, 3)
                .view(torch.ScalarType.BFloat16));
        m.put("i64", Tensor.create(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}));
        m.put("i32", Tensor.create(new int[] {Integer.MIN_VALUE, -7, Integer.MAX_VALUE}));
        m.put("i16", Tensor.create(new short[] {Short.MIN_VALUE, -2, Short.MAX_VALUE}));
        m.put("i8", Tensor.create(new byte[] {-128, -1, 127}, true, 3));
        m.put("u8", Tensor.create(new byte[] {0, (byte) 200, (byte) 255}, false, 3));
        m.put("bool", Tensor.create(new boolean[] {true, false, true, true}, 2, 2));
        m.put("scalar", torch.scalar_tensor(new org.bytedeco.pytorch.Scalar(2.5)).to(torch.ScalarType.Float));
        m.put("empty", torch.zeros(0, 3));
        return m;
    }

    @Test
    void everyDtypeRoundTripsBitExactly() throws IOException {
        Map<String, Tensor> tensors = everyDtype();
        Path file = dir.resolve("dtypes.safetensors");
        SafeTensors.save(tensors, file);
        Map<String, Tensor> loaded = SafeTensors.load(file);
        assertEquals(new ArrayList<>(tensors.keySet()), new ArrayList<>(loaded.keySet()));
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor back = loaded.get(e.getKey());
            assertEquals(e.getValue().scalar_type().intern(), back.scalar_type().intern(), e.getKey());
            assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertArrayEquals(TensorDifferences.rawBytes(e.getValue()), TensorDifferences.rawBytes(back), e.getKey());
        }
        short[] bf16 = new short[6];
        loaded.get("bf16").view(torch.ScalarType.Short).data_ptr_short().get(bf16);
        assertArrayEquals(new short[] {0x3F80, (short) 0xC000, 0x0001, 0x7F80, 0x7FC1, 0x3F81}, bf16);
        long[] i64 = new long[4];
        loaded.get("i64").data_ptr_long().get(i64);
        assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, i64);
        assertEquals(0, loaded.get("scalar").dim());
        assertEquals(2.5f, loaded.get("scalar").item_float());
        assertArrayEquals(new long[] {0, 3}, loaded.get("empty").shape());
    }

    @Test
    void headerNamesEachDtypeAsSafetensorsDoes() throws IOException {
        Path file = dir.resolve("dtypes.safetensors");
        SafeTensors.save(everyDtype(), file);
        byte[] bytes = Files.readAllBytes(file);
        int n = (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, n, StandardCharsets.UTF_8)).getAsJsonObject();
        Map<String, String> dtypes = new LinkedHashMap<>();
        header.entrySet().forEach(e -> dtypes.put(e.getKey(), e.getValue().getAsJsonObject().get("dtype").getAsString()));
        assertEquals(List.of("f64=F64", "f32=F32", "f16=F16", "bf16=BF16", "i64=I64", "i32=I32", "i16=I16", "i8=I8",
                "u8=U8", "bool=BOOL", "scalar=F32", "empty=F32"),
                dtypes.entrySet().stream().map(Object::toString).toList());
        assertEquals("[]", header.getAsJsonObject("scalar").get("shape").toString());
        // f64 4×8, f32 5×4, f16 5×2, bf16 6×2 → bf16 starts at 32+20+10 = 62.
        assertEquals("[62,74]", header.getAsJsonObject("bf16").get("data_offsets").toString());
    }

    @Test
    void nonContiguousAndGradTrackingTensorsAreWrittenAsTheirValues() throws IOException {
        Tensor base = Tensor.create(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requires_grad_(true);
        Tensor transposed = base.t();
        assertFalse(transposed.is_contiguous());
        Path file = dir.resolve("view.safetensors");
        SafeTensors.save(Map.of("t", transposed), file);
        Tensor back = SafeTensors.load(file).get("t");
        assertArrayEquals(new long[] {3, 2}, back.shape());
        float[] v = new float[6];
        back.data_ptr_float().get(v);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, v);
        assertFalse(back.requires_grad());
    }

    @Test
    void pythonStdlibReaderDecodesWhatWeWrite() throws IOException, InterruptedException, URISyntaxException {
        Assumptions.assumeTrue(python3Available(), "python3 not on PATH");
        Path script = Path.of(SafeTensorsTest.class.getResource("check_safetensors.py").toURI());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("fc.weight", Tensor.create(new float[] {0.5f, -1.25f, 3f, 1e-3f}, 2, 2));
        tensors.put("half", Tensor.create(new short[] {0x3C00, (short) 0xC100, 0x0001}).view(torch.ScalarType.Half));
        tensors.put("brain", Tensor.create(new short[] {0x3F80, (short) 0xC000, 0x3F81}).view(torch.ScalarType.BFloat16));
        tensors.put("double", Tensor.create(new double[] {Math.E}));
        tensors.put("steps", Tensor.create(new long[] {-5, 1L << 40}));
        tensors.put("ints", Tensor.create(new int[] {-2, 3}));
        tensors.put("shorts", Tensor.create(new short[] {-300}));
        tensors.put("bytes", Tensor.create(new byte[] {-9}, true, 1));
        tensors.put("ubytes", Tensor.create(new byte[] {(byte) 250}, false, 1));
        tensors.put("mask", Tensor.create(new boolean[] {true, false}));
        Path file = dir.resolve("interop.safetensors");
        SafeTensors.save(tensors, Map.of("format", "pt", "note", "ü & <tags>"), file);

        Process p = new ProcessBuilder("python3", script.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonObject parsed = JsonParser.parseString(out).getAsJsonObject();
        assertEquals("pt", parsed.getAsJsonObject("__metadata__").get("format").getAsString());
        assertEquals("ü & <tags>", parsed.getAsJsonObject("__metadata__").get("note").getAsString());
        assertValues(parsed, "fc.weight", "F32", "[2,2]", 0.5, -1.25, 3.0, (double) 1e-3f);
        assertValues(parsed, "half", "F16", "[3]", 1.0, -2.5, Math.pow(2, -24));
        assertValues(parsed, "brain", "BF16", "[3]", 1.0, -2.0, 1.0078125);
        assertValues(parsed, "double", "F64", "[1]", Math.E);
        assertValues(parsed, "steps", "I64", "[2]", -5, 1L << 40);
        assertValues(parsed, "ints", "I32", "[2]", -2, 3);
        assertValues(parsed, "shorts", "I16", "[1]", -300);
        assertValues(parsed, "bytes", "I8", "[1]", -9);
        assertValues(parsed, "ubytes", "U8", "[1]", 250);
        JsonObject mask = parsed.getAsJsonObject("mask");
        assertEquals("BOOL", mask.get("dtype").getAsString());
        assertEquals("[true,false]", mask.get("values").toString());
    }

    private static void assertValues(JsonObject parsed, String name, String dtype, String shape, double... values) {
        JsonArray v = checkedValues(parsed, name, dtype, shape);
        assertArrayEquals(values, IntStream.range(0, v.size()).mapToDouble(i -> v.get(i).getAsDouble()).toArray(), name);
    }

    private static void assertValues(JsonObject parsed, String name, String dtype, String shape, long... values) {
        JsonArray v = checkedValues(parsed, name, dtype, shape);
        assertArrayEquals(values, IntStream.range(0, v.size()).mapToLong(i -> v.get(i).getAsLong()).toArray(), name);
    }

    /** The {@code values} Python read for tensor {@code name}, after checking its dtype and shape. */
    private static JsonArray checkedValues(JsonObject parsed, String name, String dtype, String shape) {
        JsonObject t = parsed.getAsJsonObject(name);
        assertEquals(dtype, t.get("dtype").getAsString(), name);
        assertEquals(shape, t.get("shape").toString(), name);
        return t.getAsJsonArray("values");
    }

    static boolean python3Available() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
