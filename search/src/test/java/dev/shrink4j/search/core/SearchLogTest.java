package dev.shrink4j.search.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchLogTest {

    @Test
    void roundTripsExactly(@TempDir Path dir) {
        Path file = dir.resolve("sub/log.jsonl");
        SearchRecord a = new SearchRecord(0, new double[] {1, 0.1 + 0.2, 2 / 3.0}, 3663, -0.1 * 3);
        SearchRecord b = new SearchRecord(1, new double[] {0.5, 0.875, 0.7}, 4011, 0.25);
        try (SearchLog log = SearchLog.append(file)) {
            log.write(a);
        }
        try (SearchLog log = SearchLog.append(file)) {
            log.write(b);
        }
        assertEquals(List.of(a, b), SearchLog.read(file));
        assertEquals(List.of(), SearchLog.read(dir.resolve("missing.jsonl")));
    }

    @Test
    void aBadLineNamesFileLineAndProblem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("log.jsonl");
        String good = "{\"episode\":0,\"ratios\":[1.0,0.5],\"flops\":12,\"reward\":0.5}\n";
        Files.writeString(file, good + "{\"episode\":1,\"ratios\":[1.0,0.5],\"flops\":12}\n");
        assertEquals(file + ":2: not a search record: missing key \"reward\"",
                assertThrows(IllegalArgumentException.class, () -> SearchLog.read(file)).getMessage());
        Files.writeString(file, good + "{\"episode\":1,\"ratios\":[1.0,0.5],\"flops\":12,\"reward\":1,\"acc\":3}\n");
        assertEquals(file + ":2: not a search record: unknown key \"acc\"",
                assertThrows(IllegalArgumentException.class, () -> SearchLog.read(file)).getMessage());
        Files.writeString(file, good + "{\"episode\":1,\"ratios\":[1.5],\"flops\":12,\"reward\":1}\n");
        assertEquals(file + ":2: not a search record: ratios[0] = 1.5 is outside (0, 1]",
                assertThrows(IllegalArgumentException.class, () -> SearchLog.read(file)).getMessage());
        Files.writeString(file, good + good);
        assertEquals(file + ":2: not a search record: episode 0 where 1 was expected",
                assertThrows(IllegalArgumentException.class, () -> SearchLog.read(file)).getMessage());
    }
}
