package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.report.DeployedModel;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.nn.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PruneCommandTest {

    @TempDir
    Path dir;

    private Path config(double sparsity) throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"pruner\": \"test-magnitude\", \"config_list\": [{\"sparsity\": " + sparsity
                + ", \"op_types\": [\"Conv2d\", \"Linear\"]}, {\"exclude\": true, \"op_names\": [\"fc3\"]}]}");
        return cfg;
    }

    @Test
    void masksOnlyRunWritesModelMasksAndReport() throws Exception {
        Path w = CliTests.lenet5Weights(dir);
        Path out = dir.resolve("run");
        CliTests.Result r = CliTests.run("prune", "--arch", "lenet5", "--weights", w.toString(), "--config",
                config(0.5).toString(), "--out", out.toString());
        r.assertSucceeded();
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> masks = SafeTensors.load(out.resolve("masks.safetensors"));
            assertEquals(java.util.List.of("conv1.weight_mask", "conv1.bias_mask", "conv2.weight_mask", "conv2.bias_mask",
                    "fc1.weight_mask", "fc1.bias_mask", "fc2.weight_mask", "fc2.bias_mask"), java.util.List.copyOf(masks.keySet()));
            // conv2: 16·6·5·5 = 2400 weights, floor(2400 · 0.5) = 1200 pruned
            assertEquals(1200, masks.get("conv2.weight_mask").numel() - masks.get("conv2.weight_mask").count_nonzero().item_long());
            Map<String, Tensor> model = SafeTensors.load(out.resolve("model.safetensors"));
            assertEquals(1200, 2400 - model.get("conv2.weight").count_nonzero().item_long());
            assertEquals(0, 840 - model.get("fc3.weight").count_nonzero().item_long()); // excluded: untouched
        }
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        // the command line once, as typed (it was "shrink4j prune prune --arch ...")
        assertEquals("shrink4j prune --arch lenet5 --weights " + w + " --config " + dir.resolve("c.json") + " --out " + out,
                report.command());
        // every layer, as the pruned model computes: half of each selected layer's weights, none of fc3's
        assertEquals(Map.of("test-magnitude", Map.of("conv1", 0.5, "conv2", 0.5, "fc1", 0.5, "fc2", 0.5, "fc3", 0.0)),
                report.layerSparsity());
        assertEquals("none (masks only)", report.settings().get("finetune"));
        assertEquals(List.of(), report.deployed(), "no Pareto chart for one run");
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Per-layer sparsity"));
        assertTrue(html.contains("<code>shrink4j prune --arch lenet5 --weights "), html);
        assertTrue(r.out().contains("  conv2   50.00%\n"), r.out());
    }

    @Test
    void masksAreByteIdenticalAcrossRuns() throws Exception {
        Path w = CliTests.lenet5Weights(dir);
        Path cfg = config(0.7);
        for (String run : new String[] {"a", "b"}) {
            CliTests.Result r = CliTests.run("prune", "--arch", "lenet5", "--weights", w.toString(), "--config", cfg.toString(),
                    "--out", dir.resolve(run).toString(), "--epochs", "0");
            r.assertSucceeded();
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/masks.safetensors")), Files.readAllBytes(dir.resolve("b/masks.safetensors")));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")), Files.readAllBytes(dir.resolve("b/model.safetensors")));
    }

    @Test
    void dataDrivenPrunerCollectsStatisticsFineTunesAndSweeps() throws Exception {
        Path data = dev.shrink4j.cli.TinyIdx.write(dir.resolve("data"), 40, 20);
        Path cfg = dir.resolve("apoz.json");
        Files.writeString(cfg, "{\"pruner\": \"apoz\", \"statistics_batch_num\": 2, \"config_list\": "
                + "[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        Path out = dir.resolve("sweep");
        CliTests.Result r = CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, out,
                "--data-dir", data.toString(), "--batch-size", "8", "--epochs", "1", "--sweep", "0.25,0.5");
        r.assertSucceeded();
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        assertEquals(2, report.sweep().size());
        assertEquals(0.25, report.sweep().get(0).sparsity());
        // every sweep point's layers: 1 of conv1's 6 filters and 4 of conv2's 16 at 25%, 3 and 8 at 50%
        assertEquals(List.of("apoz 25%", "apoz 50%"), List.copyOf(report.layerSparsity().keySet()));
        assertEquals(Map.of("conv1", 0.166667, "conv2", 0.25, "fc1", 0.0, "fc2", 0.0, "fc3", 0.0),
                report.layerSparsity().get("apoz 25%"));
        assertEquals(Map.of("conv1", 0.5, "conv2", 0.5, "fc1", 0.0, "fc2", 0.0, "fc3", 0.0),
                report.layerSparsity().get("apoz 50%"));
        // the settings say what ran: the swept sparsities in the list, not the config's 0.5 alone
        assertEquals("0.25, 0.5 (each replaces the sparsity of every config_list entry)", report.settings().get("sweep"));
        assertEquals(null, report.settings().get("config_list"));
        assertTrue(String.valueOf(report.settings().get("config_list at sparsity 0.25")).contains("\"sparsity\":0.25"),
                report.settings().toString());
        // the config recommends nothing: Adam at the default 0.001, in --batch-size 8
        assertEquals("1 epoch(s), Adam lr 0.001, batch size 8", report.settings().get("finetune"));
        // Pareto points: the dense baseline, then each sweep point as its results row measured it
        assertEquals(List.of("baseline (fp32)", "apoz 25%", "apoz 50%"),
                report.deployed().stream().map(DeployedModel::method).toList());
        assertTrue(report.deployed().get(0).baseline());
        assertEquals(report.settings().get("baseline_accuracy"), report.deployed().get(0).accuracy());
        for (int i = 0; i < 2; i++) {
            assertEquals(report.results().get(i).accuracy(), report.deployed().get(i + 1).accuracy());
            assertEquals(report.results().get(i).sizeBytes(), report.deployed().get(i + 1).sizeBytes());
            assertEquals(report.results().get(i).latencyMs(), report.deployed().get(i + 1).latencyMs());
        }
        assertTrue(Files.isRegularFile(out.resolve("sparsity-0.25/masks.safetensors")));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Accuracy against sparsity"));
        assertTrue(html.contains("<img alt=\"Test accuracy against deployed size\""), html);
        assertTrue(html.contains("<img alt=\"Zero weights per layer at each sweep point\""), html);
    }

    @Test
    void quantizerConfigIsAUsageError() throws Exception {
        Path cfg = dir.resolve("q.json");
        Files.writeString(cfg, "{\"quantizer\": \"naive\", \"config_list\": []}");
        CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, dir.resolve("o"))
                .assertUsageError("shrink4j prune: config " + cfg + ": names a quantizer, this command needs a pruner\n");
    }

    @Test
    void missingConfigIsAUsageError() throws Exception {
        Path cfg = dir.resolve("missing.json");
        CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, dir.resolve("o"))
                .assertUsageError("shrink4j prune: config file " + cfg + " does not exist\n");
    }

    @Test
    void everyProblemOfAConfigIsOneLineAndNothingIsWritten() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"pruner\": \"l1-filter\", \"dependency_aware\": 1, \"config_list\": ["
                + "{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"], \"sparsty\": 0.5},"
                + " {\"sparsity\": 0.5, \"op_names\": [\"fc1\"]}]}");
        Path out = dir.resolve("o");
        CliTests.Result r = CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, out, "--epochs", "1");
        r.assertUsageError("shrink4j prune: config " + cfg + " (3 errors): \"dependency_aware\" must be true or false, got 1; "
                + "config_list[0]: unknown key \"sparsty\"; accepted keys: exclude, op_names, op_types, sparsity, sparsity_per_layer; "
                + "config_list[1]: fc1 (Linear) is not a Conv2d; L1FilterPruner prunes Conv2d filters only\n");
        assertFalse(Files.exists(out), "checked before the output directory is created");
    }
}
