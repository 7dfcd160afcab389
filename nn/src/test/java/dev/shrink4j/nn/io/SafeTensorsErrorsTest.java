package dev.shrink4j.nn.io;

import static dev.shrink4j.nn.io.SafeTensorsTest.fileBytes;
import static dev.shrink4j.nn.io.SafeTensorsTest.le;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsErrorsTest {

    private static final String SUPPORTED = "F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL";

    @TempDir
    Path dir;

    /** Writes {@code bytes} to model.safetensors and returns the message of the load failure. */
    private String loadError(byte[] bytes) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.write(file, bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.load(file));
        assertEquals(file, e.file());
        assertEquals(file + ": " + e.problem(), e.getMessage());
        // metadata() validates the same header, so it fails the same way.
        assertEquals(e.getMessage(), assertThrows(SafeTensorsException.class, () -> SafeTensors.metadata(file)).getMessage());
        return e.problem();
    }

    /** As {@link #loadError(byte[])}, for problems in the tensor data, which {@code metadata()} does not read. */
    private String loadError(byte[] bytes, boolean dataProblem) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.write(file, bytes);
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.load(file));
        assertEquals(file + ": " + e.problem(), e.getMessage());
        SafeTensors.metadata(file);
        return e.problem();
    }

    private String loadError(String json, ByteBuffer... data) throws IOException {
        return loadError(fileBytes(json, data));
    }

    private static ByteBuffer zeros(int n) {
        return le().position(n);
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafeTensors.load(file));
        assertEquals(file + ": no such file", e.getMessage());
        assertEquals(file + ": no such file",
                assertThrows(NoSuchFileException.class, () -> SafeTensors.metadata(file)).getMessage());
    }

    @Test
    void fileTooShortForTheLength() throws IOException {
        assertEquals("file is 5 bytes, too short for the 8-byte header length", loadError(new byte[5]));
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        byte[] bytes = new byte[28];
        ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1000);
        assertEquals("header length 1000 is larger than the 20 bytes that follow it (truncated file?)", loadError(bytes));
    }

    @Test
    void absurdHeaderLength() throws IOException {
        byte[] bytes = new byte[16];
        Arrays.fill(bytes, 0, 8, (byte) 0xFF);
        assertEquals("header length 18446744073709551615 exceeds the limit of 100000000 bytes (not a safetensors file?)",
                loadError(bytes));
    }

    @Test
    void truncatedHeaderJson() throws IOException {
        // 25 bytes padded with spaces to 32: the input ends at column 33.
        assertEquals("header is not valid JSON: End of input at line 1 column 33 path $.x.dtype",
                loadError("{\"x\":{\"dtype\":\"F32\"      "));
    }

    @Test
    void lenientJsonIsRejectedAsPythonDoes() throws IOException {
        String problem = loadError("{x:{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", le().putFloat(1f));
        assertEquals("header is not valid JSON: malformed JSON at line 1 column 3 path $. (strict JSON: no comments,"
                + " single quotes, unquoted names or values such as NaN or Infinity, trailing commas or leading zeros)", problem);
    }

    @Test
    void headerNotAnObject() throws IOException {
        assertEquals("header is not a JSON object: [1,2]", loadError("[1,2]"));
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] bytes = fileBytes("{\"x\":1}");
        bytes[10] = (byte) 0xC3; // a lead byte followed by an ASCII byte: malformed
        assertEquals("header is not valid UTF-8", loadError(bytes));
    }

    /** An entry {@code "name": {"dtype": …, "shape": […], "data_offsets": […]}} of a header (without braces around it). */
    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /**
     * Headers whose entries are wrong, the bytes of zeros in the data section after them, and the problem
     * each is reported as: the tensor, the field and the value.
     */
    static Stream<Arguments> badEntries() {
        String x = "{" + entry("x", "F32", "[1]", "[0,4]") + ",";
        return Stream.of(
                Arguments.of("unknown dtype", "{" + entry("x", "F8_E4M3", "[1]", "[0,1]") + "}", 1,
                        "tensor \"x\" has dtype \"F8_E4M3\", which cannot be loaded here; supported: " + SUPPORTED),
                Arguments.of("missing field", "{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
                        "tensor \"x\" has no \"shape\""),
                Arguments.of("negative dimension", "{" + entry("x", "F32", "[-1]", "[0,4]") + "}", 4,
                        "tensor \"x\" has shape [-1], expected an array of non-negative integers"),
                Arguments.of("fractional offset", "{" + entry("x", "F32", "[1]", "[0,4.5]") + "}", 4,
                        "tensor \"x\" has data_offsets [0,4.5], expected an array of 2 non-negative integers"),
                Arguments.of("offsets inconsistent with the shape", "{" + entry("fc1.weight", "F32", "[10,4]", "[0,100]") + "}",
                        100, "tensor \"fc1.weight\" has data_offsets [0, 100] but shape [10, 4] of F32 needs 160 bytes"),
                Arguments.of("offsets ending before they begin", "{" + entry("x", "F32", "[1]", "[8,4]") + "}", 8,
                        "tensor \"x\" has data_offsets [8, 4]: end before begin"),
                Arguments.of("offsets beyond the data", "{" + entry("fc1.weight", "F32", "[10,4]", "[0,160]") + "}", 100,
                        "tensor \"fc1.weight\" has data_offsets [0, 160] but the data section is only 100 bytes (truncated file?)"),
                Arguments.of("a gap between tensors", "{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[1]", "[8,12]")
                        + "}", 12, "tensor \"b\" has data_offsets [8, 12] but should start at byte 4"
                        + " (tensors must be packed without gaps or overlaps)"),
                Arguments.of("overlapping tensors", "{" + entry("a", "F64", "[1]", "[0,8]") + "," + entry("b", "F64", "[1]", "[4,12]")
                        + "}", 12, "tensor \"b\" has data_offsets [4, 12] but should start at byte 8"
                        + " (tensors must be packed without gaps or overlaps)"),
                Arguments.of("trailing bytes after the tensors", "{" + entry("a", "F32", "[1]", "[0,4]") + "}", 8,
                        "tensors cover 4 bytes but the data section has 8 bytes"),
                Arguments.of("metadata values that are not strings", "{\"__metadata__\":{\"format\":\"pt\",\"epoch\":3}}", 0,
                        "\"__metadata__\" must be an object of strings, but \"epoch\" is 3"),
                // both entries are valid on their own; a JSON object parser would silently keep the second
                Arguments.of("a duplicate tensor name (rejected, not overwritten)", x + entry("x", "F32", "[1]", "[0,4]") + "}", 4,
                        "header: duplicate key \"x\" at line 1 column 56 path $.x"),
                Arguments.of("a duplicate field inside an entry",
                        "{\"x\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                        "header: duplicate key \"dtype\" at line 1 column 22 path $.x.dtype"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEntries")
    void badEntriesAreReportedNamingTheTensorAndField(String name, String header, int data, String problem)
            throws IOException {
        assertEquals(problem, loadError(header, zeros(data)));
    }

    @Test
    void deeplyNestedHeaderIsRejectedWithoutOverflowingTheStack() throws IOException {
        // 100,000 levels: the reader stops at the limit instead of recursing (a StackOverflowError before).
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals("header: nesting deeper than 64 levels at line 1 column 92",
                loadError("{\"x\":{\"dtype\":\"F32\",\"shape\":" + deep + ",\"data_offsets\":[0,0]}}"));
    }

    @Test
    void emptyTensorWithOverflowingStridesIsRejectedBeforeLibtorchSeesIt() throws IOException {
        // 0 bytes, but libtorch's stride computation (2^62 · 2^62) would overflow and throw a RuntimeException.
        assertEquals("tensor \"x\" has shape [0, 4611686018427387904, 4611686018427387904] of F32,"
                        + " whose size overflows 64 bits",
                loadError("{\"x\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4611686018427387904],"
                        + "\"data_offsets\":[0,0]}}"));
    }

    @Test
    void boolTensorMustHoldOnlyZeroAndOneBytes() throws IOException {
        ByteBuffer data = le().put((byte) 1).put((byte) 0).put((byte) 7).put((byte) 2);
        assertEquals("tensor \"mask\" of dtype BOOL holds byte 7 at element 2 (2 element(s) are neither 0 nor 1)",
                loadError(fileBytes("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]}}", data), true));
    }

    @Test
    void shapeWithHundredsOfThousandsOfDimensionsIsNamedInShort() throws IOException {
        String ones = "1,".repeat(200_000);
        assertEquals("tensor \"x\" has data_offsets [0, 8] but shape [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,"
                        + " 1, 1, 1, 1... (200001 dimensions)] of F32 needs 4 bytes",
                loadError("{\"x\":{\"dtype\":\"F32\",\"shape\":[" + ones + "1],\"data_offsets\":[0,8]}}", zeros(8)));
    }

    @Test
    void saveRejectsTheReservedName() {
        Map<String, Tensor> m = Map.of(SafeTensors.METADATA_KEY, torch.zeros(1));
        Path file = dir.resolve("x.safetensors");
        assertEquals("tensor name \"__metadata__\" is reserved for the metadata",
                assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(m, file)).getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void saveRejectsUnsupportedDtypeAndWritesNothing() throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("ok", torch.zeros(1));
        m.put("z", torch.zeros(2).to(torch.ScalarType.ComplexFloat));
        Path file = dir.resolve("x.safetensors");
        assertEquals("tensor \"z\" has dtype ComplexFloat, which cannot be stored in safetensors here; supported: " + SUPPORTED,
                assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(m, file)).getMessage());
        assertFalse(Files.exists(file));
        try (var listing = Files.list(dir)) {
            assertEquals(0, listing.count());
        }
    }

    @Test
    void saveRejectsSparseAndUndefinedTensors() {
        Path file = dir.resolve("x.safetensors");
        assertEquals("tensor \"s\" has layout Sparse; safetensors stores dense (strided) tensors only,"
                        + " convert it with to_dense() first",
                assertThrows(IllegalArgumentException.class,
                        () -> SafeTensors.save(Map.of("s", torch.eye(2).to_sparse()), file)).getMessage());
        assertEquals("tensor \"u\" is undefined",
                assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(Map.of("u", new Tensor()), file)).getMessage());
    }
}
