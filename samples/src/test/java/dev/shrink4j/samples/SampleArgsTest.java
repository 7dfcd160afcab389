package dev.shrink4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SampleArgsTest {

    @Test
    void parsesEveryOptionAndKeepsDefaultsForTheRest() {
        assertEquals(new SampleArgs(Path.of("/usr/share/datasets/fashion-mnist"), 0, Path.of("shrink4j-out"), null, 0),
                SampleArgs.parse());
        assertEquals(new SampleArgs(Path.of("/d"), 256, Path.of("/o"), Path.of("w.safetensors"), 7),
                SampleArgs.parse("--data", "/d", "--limit", "256", "--out", "/o", "--weights", "w.safetensors", "--seed", "7"));
    }

    @Test
    void rejectsUnknownOptionsMissingValuesAndANonPositiveLimit() {
        assertEquals("unknown option --epochs; known: --data DIR, --limit N, --out DIR, --weights FILE, --seed N",
                assertThrows(IllegalArgumentException.class, () -> SampleArgs.parse("--epochs", "3")).getMessage());
        assertEquals("option --limit needs a value",
                assertThrows(IllegalArgumentException.class, () -> SampleArgs.parse("--limit")).getMessage());
        assertEquals("--limit must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> SampleArgs.parse("--limit", "0")).getMessage());
    }
}
