package dev.shrink4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Shrink4jTest {

    @TempDir
    Path dir;

    @Test
    void noSubcommandIsAUsageError() {
        CliTests.Result r = CliTests.run();
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("shrink4j: a subcommand is needed (inspect"), r.err());
    }

    @Test
    void unknownSubcommandIsAUsageErrorWithOrWithoutHelp() {
        String expected = "shrink4j: unknown subcommand 'shrink' (known: inspect, train, prune, speedup, quantize, distill, export, evaluate, demo, search, launch) "
                + "(see 'shrink4j --help')\n";
        for (String[] args : new String[][] {{"shrink"}, {"shrink", "--help"}, {"shrink", "-h"}, {"--help", "shrink"},
                {"shrink", "--version"}}) {
            CliTests.Result r = CliTests.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(expected, r.err(), String.join(" ", args));
            assertEquals("", r.out(), "no help printed for " + String.join(" ", args));
        }
    }

    @Test
    void strayArgumentOfASubcommandIsAUsageErrorEvenWithHelp() {
        CliTests.Result r = CliTests.run("inspect", "bogus", "--help");
        r.assertUsageError("shrink4j: Unmatched argument at index 1: 'bogus' (see 'shrink4j inspect --help')\n");
        assertEquals("", r.out());
    }

    @Test
    void topLevelHelpStillExitsZero() {
        CliTests.Result r = CliTests.run("--help");
        r.assertSucceeded();
        assertTrue(r.out().startsWith("Usage: shrink4j [-hV] [COMMAND]"), r.out());
    }

    @Test
    void unknownOptionIsAUsageErrorOnOneLine() {
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--bogus");
        r.assertUsageError("shrink4j: Unknown option: '--bogus' (see 'shrink4j inspect --help')\n");
    }

    @Test
    void helpExitsZero() {
        CliTests.Result r = CliTests.run("inspect", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--threads"), r.out());
        assertTrue(r.out().contains("--seed"), r.out());
    }

    @Test
    void inspectListsLayersAndStateDict() {
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5");
        r.assertSucceeded();
        assertTrue(r.out().startsWith("lenet5 for fashion-mnist, input [1, 1, 28, 28]\n"), r.out());
        // conv1: 6·1·5·5 + 6 = 156 parameters
        assertTrue(r.out().matches("(?s).*conv1\\s+Conv2d\\s+\\[1, 6, 28, 28\\]\\s+156\\s.*"), r.out());
        assertTrue(r.out().contains("  fc3.weight    [10, 84]\n"), r.out());
    }

    @Test
    void inspectJsonCountsParameters() {
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--json");
        r.assertSucceeded();
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        // LeNet-5: 156 + 2416 + 48120 + 10164 + 850
        assertEquals(61706, o.get("total_params").getAsLong());
        assertEquals("[6,1,5,5]", o.getAsJsonObject("state_dict").get("conv1.weight").toString());
    }

    @Test
    void inspectShowsConfigAssignment() throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"pruner\": \"test-magnitude\", \"config_list\": ["
                + "{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}, {\"exclude\": true, \"op_names\": [\"conv2\"]}]}");
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--config", cfg.toString());
        r.assertSucceeded();
        assertTrue(r.out().matches("(?s).*conv1\\s+Conv2d\\s+config_list\\[0\\]\\s+sparsity=0.5\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*conv2\\s+Conv2d\\s+excluded by config_list\\[1\\].*"), r.out());
        assertTrue(r.out().matches("(?s).*fc1\\s+Linear\\s+not selected.*"), r.out());
    }

    @Test
    void unknownArchIsAUsageError() {
        CliTests.Result r = CliTests.run("inspect", "--arch", "alexnet");
        r.assertUsageError("shrink4j inspect: --arch: unknown model \"alexnet\"; known models: lenet5, vgg, resnet20, resnet32, "
                + "resnet56, mobilenetv2\n");
    }

    @Test
    void unknownDatasetIsAUsageError() {
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--data", "imagenet");
        assertEquals(2, r.code());
        assertEquals("shrink4j inspect: --data: unknown dataset \"imagenet\"; known datasets: fashion-mnist, mnist, cifar10\n",
                r.err());
    }

    @Test
    void missingWeightsFileIsAUsageError() {
        Path missing = dir.resolve("nope.safetensors");
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--weights", missing.toString());
        r.assertUsageError("shrink4j inspect: weights file " + missing + " does not exist\n");
    }

    @Test
    void weightsOfAnotherModelAreAUsageError() throws Exception {
        Path w = dir.resolve("w.safetensors");
        try (LeNet5 m = new LeNet5(7)) {
            SafeTensors.save(m.stateDict(), w);
        }
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--weights", w.toString());
        r.assertUsageError("shrink4j inspect: weights file " + w + " does not fit lenet5: size mismatch for fc3.weight: checkpoint "
                + "has shape [7, 84], the model has [10, 84]; size mismatch for fc3.bias: checkpoint has shape [7], the model "
                + "has [10]\n");
    }

    @Test
    void badConfigIsAUsageError() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"pruner\": \"test-magnitude\", \"config_list\": [], \"sparsty\": 0.5}");
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--config", cfg.toString());
        assertEquals(2, r.code());
        // the empty config list is reported with the unknown option: every problem of the file at once
        assertEquals("shrink4j inspect: config " + cfg + " (2 errors): unknown option \"sparsty\" for pruner \"test-magnitude\"; "
                + "known options: note (a string); config_list: is empty; give at least one entry\n", r.err());
    }

    @Test
    void invalidConfigListIsAUsageErrorOnOneLine() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"pruner\": \"test-magnitude\", \"config_list\": [{\"sparsity\": 1.5, \"op_types\": [\"Conv2d\"]}]}");
        CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--config", cfg.toString());
        r.assertUsageError("shrink4j inspect: config " + cfg + ": config_list[0].sparsity: 1.5 is outside [0, 1)\n");
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
