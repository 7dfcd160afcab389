package dev.shrink4j.nn.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the
 * format Python's {@code safetensors.torch.save_file}/{@code load_file} use: an 8-byte little-endian
 * header length, a JSON header mapping each tensor name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} (plus an optional {@code "__metadata__"} object of strings), padded
 * with spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes packed back to back.
 *
 * <p>Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL. Reading validates the file
 * as strictly as the Python reader does (offsets must tile the data section exactly), so a file
 * this class accepts is one Python accepts, and every problem is reported as a
 * {@link SafeTensorsException} naming the file, the tensor and the numbers that disagree.
 *
 * <p>Tensor bytes move in bulk between the file and native memory (no per-element Java loop and no
 * copy through the Java heap).
 */
public final class SafeTensors {

    /** The name reserved for the metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";

    /** Python's reader refuses headers above 100 MB; a larger length means a corrupt file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Nesting limit of the header JSON; a valid header nests 3 deep (Python's serde_json allows 128). */
    static final int MAX_HEADER_DEPTH = 64;

    /** ByteBuffers are int-indexed, so large tensors move in chunks of this many bytes. */
    private static final long CHUNK_BYTES = 1L << 30;

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafeTensors() {
    }

    // ---------------------------------------------------------------- writing

    /** Saves {@code tensors} to {@code path} without metadata; see {@link #save(Map, Map, Path)}. */
    public static void save(Map<String, Tensor> tensors, Path path) throws IOException {
        save(tensors, Map.of(), path);
    }

    /**
     * Saves {@code tensors} (in the map's iteration order) and {@code metadata} to {@code path},
     * atomically through {@link AtomicFiles}: the file is either replaced completely or left
     * untouched. Tensors may live on any device and be non-contiguous views; a detached contiguous
     * CPU copy of each is written, the originals are not modified. An empty {@code metadata} writes
     * no {@code "__metadata__"} entry, as Python does for {@code metadata=None}.
     *
     * @throws IllegalArgumentException naming the tensor for a null/undefined tensor, a dtype
     *     safetensors cannot hold here, a sparse tensor, or the reserved name {@value #METADATA_KEY}
     * @throws IOException if the file cannot be written
     */
    public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path path) throws IOException {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(path, "path");
        requireLittleEndianHost();
        // The contiguous/CPU copies are temporaries of this call; the scope frees them afterwards.
        try (PointerScope scope = new PointerScope()) {
            JsonObject header = new JsonObject();
            if (!metadata.isEmpty()) {
                JsonObject meta = new JsonObject();
                metadata.forEach((k, v) -> {
                    if (k == null || v == null) {
                        throw new IllegalArgumentException("metadata entries cannot be null: " + k + "=" + v);
                    }
                    meta.addProperty(k, v);
                });
                header.add(METADATA_KEY, meta);
            }
            List<Tensor> data = new ArrayList<>(tensors.size());
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String name = e.getKey();
                Tensor contiguous = prepareForWriting(name, e.getValue());
                long nbytes = contiguous.nbytes();
                JsonObject info = new JsonObject();
                info.addProperty("dtype", SafeTensorsDtype.of(contiguous.scalar_type()).name());
                info.add("shape", longArray(contiguous.shape()));
                info.add("data_offsets", longArray(offset, offset + nbytes));
                header.add(name, info);
                data.add(contiguous);
                offset += nbytes;
            }
            byte[] headerBytes = paddedHeader(header);
            AtomicFiles.write(path, tmp -> {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer prefix = ByteBuffer.allocate(8 + headerBytes.length).order(ByteOrder.LITTLE_ENDIAN);
                    prefix.putLong(headerBytes.length).put(headerBytes).flip();
                    writeFully(ch, prefix);
                    for (Tensor t : data) {
                        long nbytes = t.nbytes();
                        if (nbytes == 0) {
                            continue;
                        }
                        BytePointer base = new BytePointer(t.data_ptr());
                        for (long off = 0; off < nbytes; off += CHUNK_BYTES) {
                            writeFully(ch, base.position(off).limit(Math.min(nbytes, off + CHUNK_BYTES)).asByteBuffer());
                        }
                    }
                }
            });
        }
    }

    /**
     * Tensor bytes are copied as they lie in native memory, which is the file's little-endian
     * order on every platform libtorch ships for (x86-64, aarch64); refuse rather than corrupt elsewhere.
     */
    private static void requireLittleEndianHost() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors I/O needs a little-endian host, this one is "
                    + ByteOrder.nativeOrder());
        }
    }

    private static Tensor prepareForWriting(String name, Tensor tensor) {
        if (name == null) {
            throw new IllegalArgumentException("tensor names cannot be null");
        }
        if (name.equals(METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name \"" + METADATA_KEY + "\" is reserved for the metadata");
        }
        if (tensor == null || !tensor.defined()) {
            throw new IllegalArgumentException("tensor \"" + name + "\" is " + (tensor == null ? "null" : "undefined"));
        }
        if (tensor.layout().intern() != torch.Layout.Strided) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has layout " + tensor.layout().intern()
                    + "; safetensors stores dense (strided) tensors only, convert it with to_dense() first");
        }
        torch.ScalarType type = tensor.scalar_type().intern();
        if (SafeTensorsDtype.of(type) == null) {
            throw new IllegalArgumentException("tensor \"" + name + "\" has dtype " + type
                    + ", which cannot be stored in safetensors here; supported: " + SafeTensorsDtype.SUPPORTED);
        }
        Tensor t = tensor.detach();
        if (!t.is_cpu()) {
            t = t.cpu();
        }
        return t.contiguous();
    }

    /** The header JSON, compact as serde_json writes it, padded with spaces to a multiple of 8. */
    static byte[] paddedHeader(JsonObject header) {
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static JsonArray longArray(long... values) {
        JsonArray a = new JsonArray(values.length);
        for (long v : values) {
            a.add(v);
        }
        return a;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }

    // ---------------------------------------------------------------- reading

    /**
     * Loads every tensor of {@code path}, keyed by name in file order (by data offset, which for
     * files written by {@link #save} is the order they were given in).
     *
     * <p>The tensors are fresh CPU tensors ({@code requires_grad} false) owned by the caller: like
     * any tensor created from Java they are attached to the caller's innermost {@link PointerScope}
     * if there is one (and freed with it), otherwise freed by the garbage collector. To keep them
     * beyond a scope, copy them into module parameters ({@code Module.loadStateDict}) or call
     * {@code retainReference()}.
     *
     * @throws NoSuchFileException if {@code path} does not exist (message: {@code "<path>: no such file"})
     * @throws SafeTensorsException if the file is not a valid safetensors file
     * @throws IOException if reading fails
     */
    public static Map<String, Tensor> load(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        requireLittleEndianHost();
        try (FileChannel ch = open(path)) {
            Header header = readHeader(path, ch);
            Map<String, Tensor> out = new LinkedHashMap<>();
            try {
                for (Entry e : header.entries) {
                    Tensor t = torch.empty(e.shape, new TensorOptions(e.dtype.scalarType), new MemoryFormatOptional());
                    out.put(e.name, t);
                    readInto(path, ch, header.dataStart + e.begin, e.end - e.begin, t);
                    if (e.dtype == SafeTensorsDtype.BOOL) {
                        requireBooleanBytes(path, e, t);
                    }
                }
            } catch (IOException | RuntimeException ex) {
                // Free what was allocated now rather than waiting for a scope or the GC.
                out.values().forEach(Tensor::close);
                throw ex;
            }
            return out;
        }
    }

    /**
     * A BOOL byte other than 0 or 1 is undefined behaviour for libtorch's kernels (a mask that is
     * neither kept nor pruned), so it is refused rather than passed on.
     */
    private static void requireBooleanBytes(Path path, Entry e, Tensor t) throws SafeTensorsException {
        try (PointerScope scope = new PointerScope()) {
            Tensor bytes = t.view(torch.ScalarType.Byte).flatten();
            Tensor bad = bytes.gt(new Scalar(1)).nonzero();
            if (bad.size(0) > 0) {
                long index = bad.get(0).item_long();
                throw new SafeTensorsException(path, "tensor " + quote(e.name) + " of dtype BOOL holds byte "
                        + bytes.get(index).item_long() + " at element " + index + " (" + bad.size(0)
                        + " element(s) are neither 0 nor 1)");
            }
        }
    }

    /**
     * The {@code "__metadata__"} entries of {@code path} (empty when it has none), in header order.
     * Reads only the header, but validates it fully, so an invalid file fails here as in {@link #load}.
     */
    public static Map<String, String> metadata(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (FileChannel ch = open(path)) {
            return readHeader(path, ch).metadata;
        }
    }

    private static FileChannel open(Path path) throws IOException {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            NoSuchFileException named = new NoSuchFileException(path.toString(), null, "no such file");
            named.initCause(e);
            throw named;
        }
    }

    private static void readInto(Path path, FileChannel ch, long position, long nbytes, Tensor t) throws IOException {
        if (nbytes == 0) {
            return;
        }
        BytePointer base = new BytePointer(t.data_ptr());
        for (long off = 0; off < nbytes; off += CHUNK_BYTES) {
            ByteBuffer buffer = base.position(off).limit(Math.min(nbytes, off + CHUNK_BYTES)).asByteBuffer();
            while (buffer.hasRemaining()) {
                // The buffer's position counts from the tensor's first byte (it starts at off).
                if (ch.read(buffer, position + buffer.position()) < 0) {
                    throw new SafeTensorsException(path, "file ended while reading tensor data at byte "
                            + (position + buffer.position()) + " (was it truncated while being read?)");
                }
            }
        }
    }

    /** One tensor's header entry. */
    private record Entry(String name, SafeTensorsDtype dtype, long[] shape, long begin, long end) {
    }

    /** A validated header: where the data starts, the metadata, the tensors in data order. */
    private record Header(long dataStart, Map<String, String> metadata, List<Entry> entries) {
    }

    private static Header readHeader(Path path, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new SafeTensorsException(path, "file is " + fileSize + " bytes, too short for the 8-byte header length");
        }
        ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(path, ch, lengthBuffer, 0);
        long headerLength = lengthBuffer.flip().getLong();
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafeTensorsException(path, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
        }
        if (headerLength > fileSize - 8) {
            throw new SafeTensorsException(path, "header length " + headerLength + " is larger than the "
                    + (fileSize - 8) + " bytes that follow it (truncated file?)");
        }
        ByteBuffer headerBuffer = ByteBuffer.allocate((int) headerLength);
        readFully(path, ch, headerBuffer, 8);
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBuffer.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(path, "header is not valid UTF-8", e);
        }
        JsonObject root = parseObject(path, json);
        long dataSize = fileSize - 8 - headerLength;
        Map<String, String> metadata = Collections.emptyMap();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(path, e.getValue());
            } else {
                entries.add(parseEntry(path, e.getKey(), e.getValue()));
            }
        }
        // Same rule as Python's reader: sorted by offsets, the tensors tile the data section exactly.
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expectedBegin = 0;
        for (Entry e : entries) {
            if (e.end > dataSize) {
                throw new SafeTensorsException(path, "tensor " + quote(e.name) + " has data_offsets " + offsets(e)
                        + " but the data section is only " + dataSize + " bytes (truncated file?)");
            }
            if (e.begin != expectedBegin) {
                throw new SafeTensorsException(path, "tensor " + quote(e.name) + " has data_offsets " + offsets(e)
                        + " but should start at byte " + expectedBegin + " (tensors must be packed without gaps or overlaps)");
            }
            expectedBegin = e.end;
        }
        if (expectedBegin != dataSize) {
            throw new SafeTensorsException(path, "tensors cover " + expectedBegin + " bytes but the data section has "
                    + dataSize + " bytes");
        }
        return new Header(8 + headerLength, metadata, entries);
    }

    private static JsonObject parseObject(Path path, String json) throws SafeTensorsException {
        JsonElement root;
        try {
            // Gson's JsonParser is lenient (unquoted names, comments…) and keeps the last of two equal
            // names; Python would reject such a header, and a forged one must not nest without bound.
            root = StrictJson.parse(json, MAX_HEADER_DEPTH);
        } catch (StrictJson.StructureException e) {
            throw new SafeTensorsException(path, "header: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new SafeTensorsException(path, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new SafeTensorsException(path, "header is not a JSON object: " + abbreviate(root));
        }
        return root.getAsJsonObject();
    }

    private static Map<String, String> parseMetadata(Path path, JsonElement value) throws SafeTensorsException {
        if (!value.isJsonObject()) {
            throw new SafeTensorsException(path, quote(METADATA_KEY) + " must be an object of strings, got " + abbreviate(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new SafeTensorsException(path, quote(METADATA_KEY) + " must be an object of strings, but "
                        + quote(e.getKey()) + " is " + abbreviate(v));
            }
            out.put(e.getKey(), v.getAsString());
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry parseEntry(Path path, String name, JsonElement value) throws SafeTensorsException {
        String tensor = "tensor " + quote(name);
        if (!value.isJsonObject()) {
            throw new SafeTensorsException(path, tensor + " must be an object with dtype, shape and data_offsets, got "
                    + abbreviate(value));
        }
        JsonObject info = value.getAsJsonObject();
        JsonElement dtypeElement = field(path, tensor, info, "dtype");
        if (!dtypeElement.isJsonPrimitive() || !dtypeElement.getAsJsonPrimitive().isString()) {
            throw new SafeTensorsException(path, tensor + " has dtype " + abbreviate(dtypeElement) + ", expected a string");
        }
        SafeTensorsDtype dtype = SafeTensorsDtype.byName(dtypeElement.getAsString());
        if (dtype == null) {
            throw new SafeTensorsException(path, tensor + " has dtype " + quote(dtypeElement.getAsString())
                    + ", which cannot be loaded here; supported: " + SafeTensorsDtype.SUPPORTED);
        }
        long[] shape = naturals(path, tensor, "shape", field(path, tensor, info, "shape"), -1);
        long[] offsets = naturals(path, tensor, "data_offsets", field(path, tensor, info, "data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new SafeTensorsException(path, tensor + " has data_offsets " + Arrays.toString(offsets) + ": end before begin");
        }
        long needed;
        try {
            long numel = 1;
            // libtorch computes strides as products of max(d, 1): an empty tensor with huge other
            // dimensions ([0, 2^62, 2^62]) has 0 bytes but strides that overflow, so bound both.
            long strideSpan = 1;
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
                strideSpan = Math.multiplyExact(strideSpan, Math.max(d, 1));
            }
            needed = Math.multiplyExact(numel, dtype.size);
        } catch (ArithmeticException e) {
            throw new SafeTensorsException(path, tensor + " has shape " + shapeText(shape) + " of " + dtype
                    + ", whose size overflows 64 bits");
        }
        if (end - begin != needed) {
            throw new SafeTensorsException(path, tensor + " has data_offsets " + Arrays.toString(offsets) + " but shape "
                    + shapeText(shape) + " of " + dtype + " needs " + needed + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static JsonElement field(Path path, String tensor, JsonObject info, String key) throws SafeTensorsException {
        JsonElement v = info.get(key);
        if (v == null) {
            throw new SafeTensorsException(path, tensor + " has no " + quote(key));
        }
        return v;
    }

    /** A JSON array of non-negative integers, of length {@code length} unless it is -1. */
    private static long[] naturals(Path path, String tensor, String key, JsonElement value, int length)
            throws SafeTensorsException {
        String expected = length < 0 ? "an array of non-negative integers" : "an array of " + length + " non-negative integers";
        String bad = tensor + " has " + key + " " + abbreviate(value) + ", expected " + expected;
        if (!value.isJsonArray() || (length >= 0 && value.getAsJsonArray().size() != length)) {
            throw new SafeTensorsException(path, bad);
        }
        JsonArray array = value.getAsJsonArray();
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = array.get(i);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new SafeTensorsException(path, bad);
            }
            try {
                out[i] = Long.parseLong(v.getAsString());
            } catch (NumberFormatException e) {
                throw new SafeTensorsException(path, bad);
            }
            if (out[i] < 0) {
                throw new SafeTensorsException(path, bad);
            }
        }
        return out;
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            if (ch.read(buffer, position + buffer.position()) < 0) {
                throw new SafeTensorsException(path, "file ended at byte " + (position + buffer.position())
                        + " while reading the header (was it truncated while being read?)");
            }
        }
    }

    /** {@code [10, 4]}, cut after 60 characters: a forged header may list millions of dimensions. */
    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (sb.length() > 60) {
                return sb.append("... (").append(shape.length).append(" dimensions)]").toString();
            }
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    private static String offsets(Entry e) {
        return "[" + e.begin + ", " + e.end + "]";
    }

    private static String quote(String s) {
        return GSON.toJson(new JsonPrimitive(s));
    }

    private static String abbreviate(JsonElement e) {
        String s = GSON.toJson(e);
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
