package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the safetensors reader: valid files (several dtypes, scalars, empty tensors,
 * metadata) are mutated — truncated, bytes flipped, header numbers replaced by huge, negative,
 * fractional or exponent values, dtypes and shapes changed, names duplicated, the length prefix
 * forged — and every case must end in a {@link SafeTensorsException} naming the file, or succeed
 * with tensors that are exactly what the header says (dtype, shape, byte count, bytes). Any other
 * exception or error (IllegalArgumentException, OutOfMemoryError, NegativeArraySizeException, a
 * libtorch RuntimeException…) fails the test with the seed and mutation that caused it.
 */
class SafeTensorsFuzzTest {

    /** Cases per run; the issue asks for at least 2,000. */
    private static final int CASES = 2_500;
    /** Fixed, so a failure reproduces; the failing case's index is in the message. */
    private static final long SEED = 0x5AFE_7E45L;

    @TempDir
    static Path dir;

    private static final List<byte[]> VALID = new ArrayList<>();

    @BeforeAll
    static void validFiles() throws IOException {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> mixed = new LinkedHashMap<>();
            mixed.put("conv1.weight", torch.randn(3, 1, 2, 2));
            mixed.put("conv1.bias", torch.randn(3).to(torch.ScalarType.Double));
            mixed.put("bn.num_batches_tracked", torch.tensor(7L));
            mixed.put("mask", torch.randn(5).gt(new org.bytedeco.pytorch.Scalar(0)));
            mixed.put("half", torch.randn(2, 2).to(torch.ScalarType.Half));
            mixed.put("bf16", torch.randn(3).to(torch.ScalarType.BFloat16));
            mixed.put("empty", torch.zeros(0, 3));
            mixed.put("ints", torch.arange(new org.bytedeco.pytorch.Scalar(6)).to(torch.ScalarType.Int));
            mixed.put("bytes", torch.arange(new org.bytedeco.pytorch.Scalar(4)).to(torch.ScalarType.Byte));
            mixed.put("chars", torch.arange(new org.bytedeco.pytorch.Scalar(4)).to(torch.ScalarType.Char));
            mixed.put("shorts", torch.arange(new org.bytedeco.pytorch.Scalar(3)).to(torch.ScalarType.Short));
            VALID.add(saved("mixed", mixed, Map.of("format", "pt", "arch", "lenet5")));
            VALID.add(saved("one", Map.of("w", torch.randn(4, 4)), Map.of()));
            VALID.add(saved("none", Map.of(), Map.of("only", "metadata")));
        }
        // The reader must accept every base file as it is.
        for (byte[] bytes : VALID) {
            Path file = dir.resolve("base.safetensors");
            Files.write(file, bytes);
            try (PointerScope scope = new PointerScope()) {
                checkAgainstHeader(file, bytes, SafeTensors.load(file));
            }
        }
    }

    private static byte[] saved(String name, Map<String, Tensor> tensors, Map<String, String> meta) throws IOException {
        Path file = dir.resolve(name + ".safetensors");
        SafeTensors.save(tensors, meta, file);
        return Files.readAllBytes(file);
    }

    @Test
    void everyMutatedFileIsReadExactlyOrRejectedWithASafeTensorsException() throws IOException {
        Random random = new Random(SEED);
        Path file = dir.resolve("fuzz.safetensors");
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        Map<String, Integer> mutations = new LinkedHashMap<>();
        for (int i = 0; i < CASES; i++) {
            byte[] base = VALID.get(random.nextInt(VALID.size()));
            Mutated m = mutate(base, random);
            Files.write(file, m.bytes());
            mutations.merge(m.description().replaceAll("[ :(].*", ""), 1, Integer::sum);
            Outcome outcome = loadOnce(file, m, i, false);
            // metadata() validates the same header: it must end the same way (or succeed where load does).
            Outcome metaOutcome = loadOnce(file, m, i, true);
            if (outcome == Outcome.LOADED && metaOutcome != Outcome.LOADED) {
                fail("case " + i + " (" + m.description() + "): load succeeded but metadata() failed");
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        // The mix must actually reach both outcomes and every mutation kind.
        assertTrue(outcomes.getOrDefault(Outcome.REJECTED, 0) > CASES / 2, "rejections: " + outcomes);
        assertTrue(outcomes.getOrDefault(Outcome.LOADED, 0) > 50, "successful loads: " + outcomes);
        assertEquals(Mutation.values().length, mutations.size(), "mutation kinds exercised: " + mutations);
    }

    private enum Outcome { LOADED, REJECTED }

    private static Outcome loadOnce(Path file, Mutated m, int index, boolean metadataOnly) {
        try (PointerScope scope = new PointerScope()) {
            if (metadataOnly) {
                SafeTensors.metadata(file);
            } else {
                checkAgainstHeader(file, m.bytes(), SafeTensors.load(file));
            }
            return Outcome.LOADED;
        } catch (SafeTensorsException e) {
            assertEquals(file, e.file(), "case " + index);
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(!e.problem().isBlank() && !e.problem().contains("\n"), "case " + index + ": " + e.problem());
            return Outcome.REJECTED;
        } catch (Throwable t) {
            throw new AssertionError("case " + index + " (" + m.description() + ", " + (metadataOnly ? "metadata" : "load")
                    + "): " + t.getClass().getName() + " instead of SafeTensorsException: " + t.getMessage(), t);
        }
    }

    /**
     * A successful load must be what the header says, read independently here: same names, each
     * tensor's dtype, shape, byte count ({@code end − begin}) and bytes equal to the file's slice.
     */
    private static void checkAgainstHeader(Path file, byte[] bytes, Map<String, Tensor> loaded) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) b.getLong(0);
        JsonObject header = JsonParser.parseString(new String(bytes, 8, headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        int dataStart = 8 + headerLength;
        List<String> names = new ArrayList<>(header.keySet());
        names.remove(SafeTensors.METADATA_KEY);
        assertEquals(names.stream().sorted().toList(), loaded.keySet().stream().sorted().toList(), file.toString());
        for (String name : names) {
            JsonObject info = header.getAsJsonObject(name);
            Tensor t = loaded.get(name);
            SafeTensorsDtype dtype = SafeTensorsDtype.valueOf(info.get("dtype").getAsString());
            assertEquals(dtype.scalarType, t.scalar_type().intern(), name);
            assertArrayEquals(longs(info.getAsJsonArray("shape")), t.shape(), name);
            long[] offsets = longs(info.getAsJsonArray("data_offsets"));
            assertEquals(offsets[1] - offsets[0], t.nbytes(), name + ": byte size");
            byte[] expected = Arrays.copyOfRange(bytes, dataStart + (int) offsets[0], dataStart + (int) offsets[1]);
            byte[] actual = new byte[(int) t.nbytes()];
            if (actual.length > 0) {
                new BytePointer(t.contiguous().data_ptr()).get(actual);
            }
            assertArrayEquals(expected, actual, name + ": bytes");
        }
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    // ---------------------------------------------------------------- mutations

    private record Mutated(byte[] bytes, String description) {
    }

    private enum Mutation {
        TRUNCATE, FLIP_BYTES, FLIP_HEADER_BYTES, HEADER_NUMBER, DTYPE, SHAPE, DUPLICATE_NAME, LENGTH_PREFIX,
        DROP_FIELD, DATA_BYTES, INSERT_BYTES, NESTING
    }

    /** Values a forged header number is replaced with. */
    private static final String[] NUMBERS = {
        "0", "1", "-1", "-8", "2.5", "4.0", "1e3", "1E2", "-0", "1e400", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551616", "4611686018427387904", "2147483648", "4294967296",
        "1000000000000", "3", "\"4\"", "null", "true", "[]", "{}", "0.0000001"
    };

    /** Values a forged dtype is replaced with. */
    private static final String[] DTYPES = {
        "\"F32\"", "\"F64\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"I32\"", "\"I16\"", "\"I8\"", "\"U8\"", "\"BOOL\"",
        "\"F8_E4M3\"", "\"U64\"", "\"f32\"", "\"\"", "4", "null", "[\"F32\"]", "\"F32 \"", "\"C64\""
    };

    private static Mutated mutate(byte[] base, Random r) {
        Mutation kind = Mutation.values()[r.nextInt(Mutation.values().length)];
        int headerLength = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String json = new String(base, 8, headerLength, StandardCharsets.UTF_8).stripTrailing();
        byte[] data = Arrays.copyOfRange(base, 8 + headerLength, base.length);
        switch (kind) {
            case TRUNCATE: {
                int at = r.nextInt(base.length);
                return new Mutated(Arrays.copyOf(base, at), "TRUNCATE at " + at + " of " + base.length);
            }
            case FLIP_BYTES: {
                byte[] out = base.clone();
                int n = 1 + r.nextInt(8);
                for (int i = 0; i < n; i++) {
                    out[r.nextInt(out.length)] ^= (byte) (1 + r.nextInt(255));
                }
                return new Mutated(out, "FLIP_BYTES " + n);
            }
            case FLIP_HEADER_BYTES: {
                byte[] out = base.clone();
                int n = 1 + r.nextInt(3);
                for (int i = 0; i < n; i++) {
                    out[8 + r.nextInt(headerLength)] = (byte) r.nextInt(256);
                }
                return new Mutated(out, "FLIP_HEADER_BYTES " + n);
            }
            case HEADER_NUMBER: {
                JsonObject h = JsonParser.parseString(json).getAsJsonObject();
                List<JsonArray> arrays = new ArrayList<>();
                for (String name : h.keySet()) {
                    if (!name.equals(SafeTensors.METADATA_KEY)) {
                        arrays.add(h.getAsJsonObject(name).getAsJsonArray("shape"));
                        arrays.add(h.getAsJsonObject(name).getAsJsonArray("data_offsets"));
                    }
                }
                arrays.removeIf(JsonArray::isEmpty);
                if (arrays.isEmpty()) {
                    return new Mutated(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[" + pick(NUMBERS, r)
                            + "],\"data_offsets\":[0," + pick(NUMBERS, r) + "]}}", data), "HEADER_NUMBER (new entry)");
                }
                JsonArray target = arrays.get(r.nextInt(arrays.size()));
                int index = r.nextInt(target.size());
                String value = pick(NUMBERS, r);
                target.set(index, new com.google.gson.JsonPrimitive("__SPLICE__"));
                // The value is spliced in as text so that forms Gson would normalise (1E2, -0) survive.
                String text = h.toString().replace("\"__SPLICE__\"", value);
                return new Mutated(withHeader(text, data), "HEADER_NUMBER " + value);
            }
            case DTYPE: {
                String value = pick(DTYPES, r);
                String out = replaceNth(json, "\"dtype\":\"[A-Z0-9_]+\"", "\"dtype\":" + value, r);
                return new Mutated(withHeader(out, data), "DTYPE " + value);
            }
            case SHAPE: {
                String[] shapes = {"[]", "[1]", "[0]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
                    "[0,4611686018427387904,4611686018427387904]", "[0,9223372036854775807]",
                    "[3037000500,3037000500]", "[2,2]", "[4,3]", "[1,2,3]", "[-2,-2]", "[2.0]", "[1,null]"};
                String value = pick(shapes, r);
                String out = replaceNth(json, "\"shape\":\\[[0-9,]*\\]", "\"shape\":" + value, r);
                return new Mutated(withHeader(out, data), "SHAPE " + value);
            }
            case DUPLICATE_NAME: {
                JsonObject h = JsonParser.parseString(json).getAsJsonObject();
                List<String> names = new ArrayList<>(h.keySet());
                if (names.isEmpty()) {
                    return new Mutated(withHeader("{\"__metadata__\":{},\"__metadata__\":{}}", data), "DUPLICATE_NAME metadata");
                }
                String name = names.get(r.nextInt(names.size()));
                String entry = quote(name) + ":" + h.get(name);
                String other = names.get(r.nextInt(names.size()));
                // Either the same entry twice, or another entry renamed to this name.
                String dup = r.nextBoolean() ? entry : quote(name) + ":" + h.get(other);
                String out = "{" + dup + "," + json.substring(1);
                return new Mutated(withHeader(out, data), "DUPLICATE_NAME " + name);
            }
            case LENGTH_PREFIX: {
                byte[] out = base.clone();
                long[] lengths = {0, 1, 7, headerLength - 1, headerLength + 1, headerLength + 8, base.length - 8,
                    base.length, base.length + 1, -1, -8, Long.MIN_VALUE, Long.MAX_VALUE, 100_000_000L, 100_000_001L,
                    1L << 32, Integer.MAX_VALUE, (long) Integer.MAX_VALUE + 1, r.nextInt(base.length)};
                long value = lengths[r.nextInt(lengths.length)];
                ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
                return new Mutated(out, "LENGTH_PREFIX " + value);
            }
            case DROP_FIELD: {
                String field = pick(new String[] {"dtype", "shape", "data_offsets"}, r);
                String out = replaceNth(json, "\"" + field + "\":(\"[A-Z0-9_]+\"|\\[[0-9,]*\\]),?", "", r);
                return new Mutated(withHeader(out, data), "DROP_FIELD " + field);
            }
            case DATA_BYTES: {
                // Mutates only the tensor data: the header stays valid, so these mostly load.
                byte[] out = base.clone();
                if (data.length > 0) {
                    for (int i = 1 + r.nextInt(4); i > 0; i--) {
                        out[8 + headerLength + r.nextInt(data.length)] = (byte) r.nextInt(256);
                    }
                }
                return new Mutated(out, "DATA_BYTES");
            }
            case INSERT_BYTES: {
                int at = r.nextInt(base.length + 1);
                int n = 1 + r.nextInt(16);
                byte[] extra = new byte[n];
                r.nextBytes(extra);
                byte[] out = new byte[base.length + n];
                System.arraycopy(base, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, n);
                System.arraycopy(base, at, out, at + n, base.length - at);
                return new Mutated(out, "INSERT_BYTES " + n + " at " + at);
            }
            case NESTING: {
                int depth = 1 + r.nextInt(200_000);
                String open = r.nextBoolean() ? "[" : "{\"a\":";
                String body = r.nextBoolean()
                        ? "{\"x\":{\"dtype\":\"F32\",\"shape\":" + open.repeat(depth) + "]".repeat(open.equals("[") ? depth : 0)
                                + "}".repeat(open.equals("[") ? 0 : depth) + ",\"data_offsets\":[0,0]}}"
                        : "{\"__metadata__\":{\"k\":\"" + "\\u00e9".repeat(depth / 8 + 1) + "\"}}";
                return new Mutated(withHeader(body, new byte[0]), "NESTING " + depth);
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private static String quote(String s) {
        return new com.google.gson.JsonPrimitive(s).toString();
    }

    private static String pick(String[] values, Random r) {
        return values[r.nextInt(values.length)];
    }

    /** {@code json} with a random one of the matches of {@code regex} replaced (unchanged when none). */
    private static String replaceNth(String json, String regex, String replacement, Random r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(json);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return json;
        }
        int[] s = spans.get(r.nextInt(spans.size()));
        return json.substring(0, s[0]) + replacement + json.substring(s[1]);
    }

    /** A file with {@code json} as its header (padded to 8 bytes) followed by {@code data}. */
    private static byte[] withHeader(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        return out.put(data).array();
    }
}
