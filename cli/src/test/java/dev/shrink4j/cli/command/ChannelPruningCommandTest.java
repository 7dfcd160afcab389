package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prune} with AMC's channel pruning (from the amc module through ServiceLoader): settings that leave a layer
 * too few samples for its least squares are bad input, a one-line usage error (exit 2) naming the layer, not a failed
 * run.
 */
class ChannelPruningCommandTest {

    private static final Path CONFIG = Path.of("..", "configs", "amc", "channel-pruning.json").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void tooFewSamplesForALayerIsAUsageErrorNamingIt() throws Exception {
        // the config's 16 statistics batches of 8 images (the 40 tiny images, cycled): 128 samples for fc1, one per
        // image, against round_half_even(16 · 0.65) = 10 kept input channels × 25 features + the intercept = 251 unknowns
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path out = dir.resolve("cp");
        CliTests.Result r = CliTests.runWithProviders("prune", "--arch", "lenet5", "--weights",
                CliTests.lenet5Weights(dir).toString(), "--config", CONFIG.toString(), "--data-dir", data.toString(),
                "--batch-size", "8", "--epochs", "0", "--out", out.toString(), "--threads", "1");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j prune: channel pruning of LeNet5: "), r.err());
        assertTrue(r.err().contains("fc1: 128 samples (128 images × 1 positions) for up to 251 unknowns per output "
                + "(10 kept channels × 25 features + intercept); too few samples for the requested channels"), r.err());
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }
}
