package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.shrink4j.nn.zoo.LeNet5;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    /** The raw bytes of a tensor in row-major order: what "bit-identical" compares. */
    static byte[] rawBytes(Tensor t) {
        Tensor c = t.detach().contiguous();
        byte[] out = new byte[(int) c.nbytes()];
        if (out.length > 0) {
            new BytePointer(c.data_ptr()).get(out);
        }
        return out;
    }

    @Test
    void leNetStateDictRoundTripsBitExactlyIntoAFreshModel() throws IOException {
        Path file = dir.resolve("lenet.safetensors");
        try (LeNet5 trained = new LeNet5(); LeNet5 fresh = new LeNet5()) {
            SafeTensors.save(trained.stateDict(), file);
            Map<String, Tensor> loaded = SafeTensors.load(file);
            assertEquals(new ArrayList<>(trained.stateDict().keySet()), new ArrayList<>(loaded.keySet()));
            fresh.loadStateDict(loaded, true);
            for (Map.Entry<String, Tensor> e : trained.stateDict().entrySet()) {
                Tensor mine = fresh.stateDict().get(e.getKey());
                assertArrayEquals(e.getValue().shape(), mine.shape(), e.getKey());
                assertArrayEquals(rawBytes(e.getValue()), rawBytes(mine), e.getKey());
            }
            long expectedBytes = 0;
            for (Tensor t : trained.stateDict().values()) {
                expectedBytes += t.nbytes();
            }
            assertEquals(61706L * 4, expectedBytes);
            long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8);
            assertEquals(8 + headerLength + expectedBytes, Files.size(file));
        }
    }

    @Test
    void handBuiltFileLoadsWithTheRightValues() throws IOException {
        // What Python's safetensors.torch.save_file({"w": torch.tensor([[1.5, -2.0]]), "n": torch.tensor([7, -3])},
        // metadata={"format": "pt"}) writes: I64 sorts before F32, header padded with spaces.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"n\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[16,24]}}";
        Path file = dir.resolve("python.safetensors");
        Files.write(file, fileBytes(json, le(8).putLong(7).putLong(-3), le(4).putFloat(1.5f).putFloat(-2.0f)));
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

    /** A little-endian buffer of {@code n} values of 8 or 4 bytes, filled by the caller. */
    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
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
}
