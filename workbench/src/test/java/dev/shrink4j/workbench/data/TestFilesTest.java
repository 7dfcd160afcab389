package dev.shrink4j.workbench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The real-data lookup: found, skipped on a developer's machine, a failure under {@code CI=true}. */
class TestFilesTest {

    @Test
    void findsTheFirstDirectoryHoldingTheTestLabels(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.write(data.resolve("t10k-labels-idx1-ubyte.gz"), new byte[] {1});
        assertEquals(data, TestFiles.find(List.of(empty, data), "fashion-mnist", "true"));
    }

    @Test
    void aMissingDataSetSkipsOutsideCi(@TempDir Path dir) {
        List<Path> none = List.of(dir.resolve("nothing"));
        assertThrows(TestAbortedException.class, () -> TestFiles.find(none, "fashion-mnist", null));
        assertThrows(TestAbortedException.class, () -> TestFiles.find(none, "fashion-mnist", "false"));
    }

    @Test
    void aMissingDataSetFailsUnderCi(@TempDir Path dir) {
        List<Path> none = List.of(dir.resolve("nothing"));
        AssertionError e = assertThrows(AssertionError.class, () -> TestFiles.find(none, "fashion-mnist", "true"));
        assertTrue(e.getMessage().startsWith("fashion-mnist not found in [" + dir.resolve("nothing") + "] (CI=true"),
                e.getMessage());
        assertThrows(AssertionError.class, () -> TestFiles.find(none, "mnist", "TRUE"));
    }
}
