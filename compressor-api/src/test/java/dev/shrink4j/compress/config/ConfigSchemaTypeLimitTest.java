package dev.shrink4j.compress.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shrink4j.nn.layers.BatchNorm2d;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.ReLU;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Layer-type limits declared on a {@link ConfigSchema} with {@code allowTypes}. */
class ConfigSchemaTypeLimitTest {

    @Test
    void aSchemaWithoutLimitAllowsEveryType() {
        ConfigSchema schema = ConfigSchema.builder("LevelPruner").addAll(ConfigSchema.PRUNING).build();
        assertEquals(List.of(), schema.allowedTypes());
        try (ReLU relu = new ReLU(); Linear fc = new Linear(4, 2)) {
            assertNull(schema.typeProblem(0, "relu1", relu));
            assertNull(schema.typeProblem(3, "fc", fc));
        }
    }

    @Test
    void theStandardMessageNamesEntryLayerTypeAllowedTypesAndAlgorithm() {
        ConfigSchema schema = ConfigSchema.builder("L1FilterPruner").addAll(ConfigSchema.PRUNING)
                .allowTypes("prunes Conv2d filters only", Conv2d.class).build();
        assertEquals(List.of(Conv2d.class), schema.allowedTypes());
        try (Conv2d conv = new Conv2d(1, 2, 3); Linear fc = new Linear(4, 2)) {
            assertNull(schema.typeProblem(0, "conv1", conv));
            assertEquals("config_list[2]: fc1 (Linear) is not a Conv2d; L1FilterPruner prunes Conv2d filters only",
                    schema.typeProblem(2, "fc1", fc));
        }
    }

    @Test
    void severalAllowedTypesAreJoinedWithOr() {
        ConfigSchema schema = ConfigSchema.builder("RowPruner").allowTypes("prunes weight rows only", Conv2d.class, Linear.class)
                .build();
        try (Linear fc = new Linear(4, 2); BatchNorm2d bn = new BatchNorm2d(3)) {
            assertNull(schema.typeProblem(0, "fc", fc));
            assertEquals("config_list[1]: features.1 (BatchNorm2d) is not a Conv2d or Linear; RowPruner prunes weight rows only",
                    schema.typeProblem(1, "features.1", bn));
        }
    }

    @Test
    void aCustomRejectionWordsTheMessageAndALaterLimitReplacesAnEarlierOne() {
        ConfigSchema schema = ConfigSchema.builder("SlimPruner")
                .allowTypes("prunes Conv2d filters only", Conv2d.class)
                .allowTypes((entry, layer, type) -> "config_list[" + entry + "]: " + layer + " is a " + type + "; no channels",
                        BatchNorm2d.class)
                .build();
        assertEquals(List.of(BatchNorm2d.class), schema.allowedTypes());
        try (Conv2d conv = new Conv2d(1, 2, 3); BatchNorm2d bn = new BatchNorm2d(2)) {
            assertNull(schema.typeProblem(0, "bn1", bn));
            assertEquals("config_list[0]: conv1 is a Conv2d; no channels", schema.typeProblem(0, "conv1", conv));
        }
    }

    @Test
    void allowTypesNeedsAType() {
        ConfigSchema.Builder b = ConfigSchema.builder("XPruner");
        assertEquals("XPruner: allowTypes needs at least one type",
                assertThrows(IllegalArgumentException.class, () -> b.allowTypes("prunes nothing")).getMessage());
    }
}
