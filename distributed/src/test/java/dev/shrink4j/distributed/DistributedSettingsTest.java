package dev.shrink4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** torchrun's environment and the builder: every bad value is named, in one line. */
class DistributedSettingsTest {

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>(Map.of("MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "29500", "RANK", "1",
                "WORLD_SIZE", "2"));
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                env.remove(keyValues[i]);
            } else {
                env.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return env;
    }

    @Test
    void torchrunsEnvironmentIsReadWithLocalRankDefaultingToTheRank() {
        DistributedSettings s = DistributedSettings.fromEnvironment(env());
        assertEquals(new DistributedSettings("127.0.0.1", 29500, 1, 2, 1, Duration.ofSeconds(60)), s);
        assertFalse(s.isMain());
        assertEquals(0, DistributedSettings.fromEnvironment(env("LOCAL_RANK", "0")).localRank());
        assertEquals(Duration.ofSeconds(10), s.withTimeout(Duration.ofSeconds(10)).timeout());
        assertTrue(DistributedSettings.isPresent(env()));
        assertFalse(DistributedSettings.isPresent(Map.of("MASTER_PORT", "1")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "WORLD_SIZE | 0     | WORLD_SIZE must be at least 1, got 0",
        "WORLD_SIZE | two   | WORLD_SIZE \"two\" is not an integer",
        "RANK       | 2     | RANK 2 is outside [0, 2) for WORLD_SIZE 2",
        "RANK       | -1    | RANK -1 is outside [0, 2) for WORLD_SIZE 2",
        "LOCAL_RANK | 5     | LOCAL_RANK 5 is outside [0, 2) for WORLD_SIZE 2",
        "MASTER_PORT| 70000 | MASTER_PORT 70000 is outside [1, 65535]",
        "MASTER_PORT| 0     | MASTER_PORT 0 is outside [1, 65535]",
        "MASTER_ADDR| ' '   | MASTER_ADDR is empty; it names the host of rank 0",
    })
    void aBadVariableIsNamedWithItsValue(String variable, String value, String message) {
        DistributedConfigException e = assertThrows(DistributedConfigException.class,
                () -> DistributedSettings.fromEnvironment(env(variable, value)));
        assertEquals(message, e.getMessage());
        assertEquals(variable, e.setting());
    }

    @Test
    void aMissingVariableIsNamed() {
        DistributedConfigException e = assertThrows(DistributedConfigException.class,
                () -> DistributedSettings.fromEnvironment(env("MASTER_PORT", null)));
        assertEquals("MASTER_PORT is not set; a distributed run needs MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE "
                + "(torchrun sets them)", e.getMessage());
        assertEquals("MASTER_PORT", e.setting());
    }

    @Test
    void theBuilderNeedsRankWorldAndPortAndAPositiveTimeout() {
        DistributedSettings s = DistributedSettings.builder().setRank(0).setWorldSize(1).setMasterPort(40000).build();
        assertEquals(new DistributedSettings("127.0.0.1", 40000, 0, 1, 0, DistributedSettings.DEFAULT_TIMEOUT), s);
        assertTrue(s.isMain());
        DistributedConfigException noRank = assertThrows(DistributedConfigException.class,
                () -> DistributedSettings.builder().setWorldSize(2).setMasterPort(40000).build());
        assertEquals("DistributedSettings: setRank is required (RANK)", noRank.getMessage());
        DistributedConfigException zero = assertThrows(DistributedConfigException.class, () -> DistributedSettings.builder()
                .setRank(0).setWorldSize(1).setMasterPort(40000).optTimeout(Duration.ZERO).build());
        assertEquals("timeout must be at least 1 ms, got PT0S", zero.getMessage());
        assertEquals("timeout", zero.setting());
    }
}
