package dev.shrink4j.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigListFromJsonTest {

    @Test
    void describeShowsWhichEntryEachLayerGets(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), ConfigListFromJson.EXAMPLE);
        assertEquals("""
                layer  type    config                      settings
                conv1  Conv2d  config_list[0]              sparsity=0.5
                conv2  Conv2d  config_list[0]              sparsity=0.5
                fc1    Linear  config_list[1]              sparsity=0.8
                fc2    Linear  config_list[1]              sparsity=0.8
                fc3    Linear  excluded by config_list[2]  -
                """, ConfigListFromJson.describe(file));
    }

    @Test
    void aBrokenListReportsEveryProblemAtOnce() {
        assertEquals("""
                invalid config list (2 errors):
                  config_list[0].sparsity: 1.2 is outside [0, 1)
                  config_list[1].op_names: "fc9" matches no module in LeNet5""",
                ConfigListFromJson.problems(ConfigListFromJson.BROKEN));
    }

    @Test
    void aValidListIsNotAProblem() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ConfigListFromJson.problems("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"));
        assertEquals("the config list was accepted: [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]", e.getMessage());
    }
}
