package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesThroughATempFileInTheSameDirectoryAndCreatesParents() throws IOException {
        Path target = dir.resolve("a/b/state.safetensors");
        List<Path> seen = new ArrayList<>();
        AtomicFiles.write(target, tmp -> {
            seen.add(tmp);
            assertTrue(Files.exists(tmp));
            assertEquals(0, Files.size(tmp));
            Files.writeString(tmp, "new");
        });
        assertEquals("new", Files.readString(target));
        Path tmp = seen.get(0);
        assertEquals(target.getParent().toAbsolutePath(), tmp.getParent());
        assertTrue(tmp.getFileName().toString().matches("\\.state\\.safetensors\\.[0-9a-z]+\\.tmp"), tmp.toString());
        assertFalse(Files.exists(tmp));
        assertEquals(List.of("state.safetensors"), listing(target.getParent()));
    }

    @Test
    void replacesAnExistingTarget() throws IOException {
        Path target = dir.resolve("f.txt");
        AtomicFiles.writeString(target, "old");
        AtomicFiles.writeString(target, "ünïcode");
        assertEquals("ünïcode", Files.readString(target));
        assertEquals(List.of("f.txt"), listing(dir));
    }

    @Test
    void failingWriterLeavesNoTargetAndNoTempFile() throws IOException {
        Path target = dir.resolve("f.txt");
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "half");
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void failingWriterKeepsTheOldContent() throws IOException {
        Path target = dir.resolve("f.txt");
        AtomicFiles.writeString(target, "old");
        IllegalStateException boom = new IllegalStateException("bug");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "half-written");
            throw boom;
        })));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("f.txt"), listing(dir));
    }
}
