package dev.shrink4j.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shipped search config ({@code configs/search/}) is read without error and names the search its file does. */
class SearchConfigsTest {

    @Test
    void everyShippedConfigReadsAndIsNamedAfterItsSearch() throws IOException {
        List<Path> configs;
        try (Stream<Path> files = Files.list(Path.of("..", "configs", "search"))) {
            configs = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(12, configs.size(), configs.toString());
        for (Path config : configs) {
            String search = SearchRunner.fromConfig(config).search();
            assertTrue(config.getFileName().toString().startsWith(search), config + " runs " + search);
        }
    }
}
