package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.nn.TensorDifferences;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A state dict copied to Java (raw bytes for bit-identity, doubles for tolerances), so results of
 * threads, processes and files compare without native lifetimes.
 *
 * @param raw    each tensor's bytes
 * @param values each tensor's values as doubles
 */
record Snapshot(Map<String, byte[]> raw, Map<String, double[]> values) {

    static Snapshot of(Map<String, Tensor> stateDict) {
        Map<String, byte[]> raw = new LinkedHashMap<>();
        Map<String, double[]> values = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            stateDict.forEach((k, t) -> {
                raw.put(k, TensorDifferences.rawBytes(t));
                Tensor d = t.detach().to(torch.ScalarType.Double).contiguous();
                double[] v = new double[(int) d.numel()];
                d.data_ptr_double().get(v);
                values.put(k, v);
            });
        }
        return new Snapshot(raw, values);
    }

    static Snapshot load(Path file) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            return of(SafeTensors.load(file));
        }
    }

    /** Every tensor bit for bit. */
    void assertBitIdentical(Snapshot other, String what) {
        assertEquals(raw.keySet(), other.raw.keySet(), what + ": keys");
        raw.forEach((k, v) -> assertArrayEquals(v, other.raw.get(k), what + ": " + k + " differs"));
    }

    /** Every tensor whose name ends with one of {@code exact} bit for bit, the others within {@code tolerance}. */
    void assertClose(Snapshot other, double tolerance, String what, String... exact) {
        assertEquals(values.keySet(), other.values.keySet(), what + ": keys");
        values.forEach((k, v) -> {
            double[] o = other.values.get(k);
            assertEquals(v.length, o.length, what + ": " + k + " length");
            for (String suffix : exact) {
                if (k.endsWith(suffix)) {
                    assertArrayEquals(v, o, what + ": " + k + " must be equal");
                    return;
                }
            }
            double max = 0;
            for (int i = 0; i < v.length; i++) {
                max = Math.max(max, Math.abs(v[i] - o[i]));
            }
            double worst = max;
            assertTrue(worst <= tolerance, () -> what + ": " + k + " differs by " + worst + " > " + tolerance);
        });
    }

    double[] get(String key) {
        return values.get(key);
    }
}
