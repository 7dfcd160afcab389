package dev.shrink4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path tmp;

    @Test
    void deletesANestedTreeAndLeavesItsSiblings() throws IOException {
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/model.safetensors"), "x");
        Files.writeString(tree.resolve("report.json"), "{}");
        Files.writeString(tmp.resolve("sibling.txt"), "kept");
        FileTrees.delete(tree);
        assertFalse(Files.exists(tree));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("sibling.txt"), left.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals("kept", Files.readString(tmp.resolve("sibling.txt")));
    }

    @Test
    void aMissingDirectoryIsNothingToDo() throws IOException {
        Path missing = tmp.resolve("never-made");
        FileTrees.delete(missing);
        assertFalse(Files.exists(missing));
        assertTrue(Files.isDirectory(tmp));
    }
}
