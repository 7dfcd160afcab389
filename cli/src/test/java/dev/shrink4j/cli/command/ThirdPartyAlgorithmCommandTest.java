package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.ThirdPartyAlgorithms;
import dev.shrink4j.nn.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config file naming an algorithm that only a {@link java.util.ServiceLoader} provider on the class path
 * registers ({@link ThirdPartyAlgorithms}) runs through {@code shrink4j prune} with the registry the
 * command line's main loads.
 */
class ThirdPartyAlgorithmCommandTest {

    @TempDir
    Path dir;

    private CliTests.Result run(String... args) {
        return CliTests.runWithProviders(args);
    }

    @Test
    void pruneRunsAThirdPartyAlgorithmNamedInAConfigFile() throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"pruner\": \"" + ThirdPartyAlgorithms.NAME + "\", \"config_list\": [{\"sparsity\": 0.5, "
                + "\"op_types\": [\"Conv2d\", \"Linear\"]}, {\"exclude\": true, \"op_names\": [\"fc3\"]}]}");
        Path out = dir.resolve("run");
        CliTests.Result r = run("prune", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(), "--config",
                cfg.toString(), "--epochs", "0", "--out", out.toString());
        r.assertSucceeded();
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> masks = SafeTensors.load(out.resolve("masks.safetensors"));
            // conv2: 16·6·5·5 = 2400 weights, floor(2400 · 0.5) = 1200 pruned; fc1: 120·400 = 48000, 24000 pruned
            assertEquals(1200, 2400 - masks.get("conv2.weight_mask").count_nonzero().item_long());
            assertEquals(24000, 48000 - masks.get("fc1.weight_mask").count_nonzero().item_long());
            assertEquals(false, masks.containsKey("fc3.weight_mask"));
        }
        assertTrue(r.out().contains("  conv2   50.00%\n"), r.out());
    }

    @Test
    void theSameNameIsUnknownToARegistryWithoutTheProvider() throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"pruner\": \"" + ThirdPartyAlgorithms.NAME + "\", \"config_list\": [{\"sparsity\": 0.5}]}");
        CliTests.Result r = CliTests.run("prune", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(),
                "--config", cfg.toString(), "--out", dir.resolve("run").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown pruner \"" + ThirdPartyAlgorithms.NAME + "\""), r.err());
    }
}
