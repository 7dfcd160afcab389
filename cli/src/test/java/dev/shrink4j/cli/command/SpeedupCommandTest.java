package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.DeployedModel;
import dev.shrink4j.cli.report.ResultRow;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.report.ShrunkModel;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.Module;
import dev.shrink4j.workbench.zoo.ModelZoo;
import dev.shrink4j.workbench.zoo.ResNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Physical speedup on the command line: {@code prune --speedup}, the {@code speedup} command, and
 * {@code evaluate}/{@code inspect} on the shrunk file. The model is LeNet-5 with L1-filter at 50% of both
 * convolutions: 3 of conv1's 6 filters and 8 of conv2's 16 go, so the shrunk model has
 * conv1 3·1·5·5 + 3 = 78, conv2 8·3·5·5 + 8 = 608, fc1 120·(8·5·5) + 120 = 24,120, fc2 120·84 + 84 = 10,164 and
 * fc3 84·10 + 10 = 850 parameters: 35,820 of the dense 61,706 (58.0%).
 */
class SpeedupCommandTest {

    /** The shrunk LeNet-5's parameters, as computed in the class comment. */
    static final long SHRUNK_PARAMS = 78 + 608 + 24_120 + 10_164 + 850;

    @TempDir
    Path dir;

    private Path l1FilterConfig() throws IOException {
        Path cfg = dir.resolve("l1.json");
        Files.writeString(cfg, "{\"pruner\": \"l1-filter\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        return cfg;
    }

    /** {@code prune --speedup} of the seed-7 LeNet-5 at {@code --epochs 0} into {@code dir/run}. */
    private CliTests.Result pruneWithSpeedup(String... more) throws IOException {
        return CliTests.compress("prune", CliTests.lenet5Weights(dir), l1FilterConfig(), dir.resolve("run"),
                concat(new String[] {"--speedup"}, more));
    }

    /** Every tensor's shape in a safetensors file, by key. */
    private static Map<String, String> shapes(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PointerScope s = new PointerScope()) {
            SafeTensors.load(file).forEach((k, t) -> out.put(k, Arrays.toString(t.shape())));
        }
        return out;
    }

    private static long numel(Path file) throws IOException {
        try (PointerScope s = new PointerScope()) {
            return SafeTensors.load(file).values().stream().mapToLong(Tensor::numel).sum();
        }
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The accuracy that {@code evaluate} printed. */
    private static String accuracyAndLoss(CliTests.Result r) {
        Matcher m = EvaluateFromMetadataTest.ACCURACY_AND_LOSS.matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(1) + " " + m.group(2);
    }

    @Nested
    class PruneWithSpeedup {

        @Test
        void writesTheShrunkModelBesideTheMaskedOneWithTheHandComputedParameterCount() throws Exception {
            CliTests.Result r = pruneWithSpeedup();
            r.assertSucceeded();
            Path shrunk = dir.resolve("run").resolve("model-shrunk.safetensors");
            assertEquals(SHRUNK_PARAMS, numel(shrunk));
            assertEquals(Map.of("conv1.weight", "[3, 1, 5, 5]", "conv1.bias", "[3]", "conv2.weight", "[8, 3, 5, 5]",
                    "conv2.bias", "[8]", "fc1.weight", "[120, 200]", "fc1.bias", "[120]", "fc2.weight", "[84, 120]",
                    "fc2.bias", "[84]", "fc3.weight", "[10, 84]", "fc3.bias", "[10]"), shapes(shrunk));
            ModelMetadata meta = ModelMetadata.read(shrunk);
            assertEquals("lenet5", meta.arch().orElseThrow());
            assertEquals("l1-filter", meta.algorithm().orElseThrow());
            assertEquals(ModelMetadata.SHRUNK_WEIGHTS, meta.contents().orElseThrow());
            assertEquals(3L, meta.layerWidths().orElseThrow().get("conv1").get("out_channels"));
            assertEquals(200L, meta.layerWidths().orElseThrow().get("fc1").get("in_features"));
            // the summary, then the shrunk model beside the masked one (no test set read at --epochs 0)
            assertTrue(r.out().contains("speedup: 61,706 -> 35,820 parameters (58.0%), 3 layers resized, 0 left masked, "), r.out());
            assertTrue(r.out().contains("\n  conv1 (Conv2d) [6, 1, 5, 5] -> [3, 1, 5, 5]\n"
                    + "  conv2 (Conv2d) [16, 6, 5, 5] -> [8, 3, 5, 5]\n"
                    + "  fc1 (Linear) [120, 400] -> [120, 200]\n"), r.out());
            assertTrue(r.out().contains("shrunk model: 35,820 parameters (58.0% of 61,706), "), r.out());
            assertTrue(r.out().contains("wrote " + dir.resolve("run/model.safetensors") + ", "
                    + dir.resolve("run/model-shrunk.safetensors") + ", " + dir.resolve("run/graph.json") + ", "), r.out());
            // AMC's save_to_json beside it: the shrunk widths, and node FLOPs that add up to the model's
            JsonObject graph = JsonParser.parseString(Files.readString(dir.resolve("run/graph.json"))).getAsJsonObject();
            assertEquals(SHRUNK_PARAMS, graph.get("params").getAsLong());
            long nodeFlops = 0;
            Map<String, JsonObject> nodes = new java.util.HashMap<>();
            for (var n : graph.getAsJsonArray("nodes")) { // glue nodes (flatten, functional calls) carry no "flops"
                nodeFlops += n.getAsJsonObject().has("flops") ? n.getAsJsonObject().get("flops").getAsLong() : 0;
                nodes.put(n.getAsJsonObject().get("name").getAsString(), n.getAsJsonObject());
            }
            assertEquals(graph.get("flops").getAsLong(), nodeFlops);
            assertEquals(3, nodes.get("conv1").get("out_channels").getAsLong());
            assertEquals(3, nodes.get("conv2").get("in_channels").getAsLong());
            assertEquals(8, nodes.get("conv2").get("out_channels").getAsLong());
            assertEquals(200, nodes.get("fc1").get("in_features").getAsLong());
            // ModelZoo rebuilds it from the file alone
            try (Module back = ModelZoo.load(shrunk)) {
                assertEquals(SHRUNK_PARAMS, back.parameterCount());
            }
        }

        @Test
        void theResultRowShowsTheShrunkModelWhoseAccuracyEqualsTheMaskedOnes() throws Exception {
            Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
            CliTests.Result r = pruneWithSpeedup("--data-dir", data.toString(), "--batch-size", "8", "--epochs", "1");
            r.assertSucceeded();
            Path run = dir.resolve("run");
            RunReport report = RunReport.fromJson(Files.readString(run.resolve("report.json")));
            ResultRow row = report.results().get(0);
            ShrunkModel shrunk = row.shrunk();
            assertEquals(SHRUNK_PARAMS, shrunk.params());
            assertEquals(3, shrunk.resizedLayers());
            assertEquals(row.accuracy(), shrunk.accuracy(), "the removed filters were zero in the masked model");
            assertTrue(shrunk.sizeBytes() < row.sizeBytes() * 0.7, shrunk + " vs " + row);
            assertTrue(shrunk.latencyMs() > 0, shrunk.toString());
            assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "; test accuracy %.2f%% (masked %.2f%%); latency ",
                    100 * shrunk.accuracy(), 100 * row.accuracy())), r.out());
            // the table gains the shrunk columns
            String html = Files.readString(run.resolve("report.html"));
            assertTrue(html.contains("<th>shrunk params</th><th>shrunk size</th><th>shrunk latency</th>"), html);
            assertTrue(html.contains("<td class=\"n\">35,820 (58.0%)</td>"), html);

            // evaluate: the shrunk file (rebuilt from its metadata) gives the masked model's accuracy and loss
            String[] test = {"--data-dir", data.toString(), "--batch-size", "10"};
            CliTests.Result masked = CliTests.run(concat(new String[] {"evaluate", "--weights", run.resolve("model.safetensors")
                    .toString(), "--masks", run.resolve("masks.safetensors").toString()}, test));
            CliTests.Result small = CliTests.run(concat(new String[] {"evaluate", "--weights",
                    run.resolve("model-shrunk.safetensors").toString()}, test));
            masked.assertSucceeded();
            small.assertSucceeded();
            assertEquals(accuracyAndLoss(masked), accuracyAndLoss(small));
            assertEquals(String.format(java.util.Locale.ROOT, "%.2f", 100 * row.accuracy()), accuracyAndLoss(small).split(" ")[0]);
        }

        @Test
        void masksThatContradictADependencyGroupAreAUsageErrorAfterTheMaskedExport() throws Exception {
            Path weights = CliTests.resnet20Weights(dir, 3);
            Path run = dir.resolve("run");
            CliTests.Result r = CliTests.run("prune", "--arch", "resnet20", "--data", "cifar10", "--weights", weights.toString(),
                    "--config", l1FilterConfig().toString(), "--out", run.toString(), "--threads", "1", "--speedup");
            // each residual branch's convolution keeps its own largest filters: they disagree within their group
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().startsWith("shrink4j prune: --speedup: masks file " + run.resolve("masks.safetensors")
                    + " cannot shrink resnet20: "), r.err());
            assertTrue(r.err().endsWith(", whose layers must remove the same channels (model.safetensors and masks.safetensors"
                    + " are written; a filter pruner removes whole dependency groups with \"dependency_aware\": true)\n"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(Files.isRegularFile(run.resolve("masks.safetensors")));
            assertFalse(Files.exists(run.resolve("model-shrunk.safetensors")));
        }

        @Test
        void levelMasksStayMasks() throws Exception {
            Path cfg = dir.resolve("level.json");
            Files.writeString(cfg, "{\"pruner\": \"level\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
            CliTests.Result r = CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, dir.resolve("run"), "--speedup");
            r.assertSucceeded();
            assertTrue(r.out().contains("speedup: 61,706 -> 61,706 parameters (100.0%), 0 layers resized, 2 left masked, "), r.out());
            assertTrue(r.out().contains("shrunk model: masked (the masks remove no whole filter or channel; "
                    + "model-shrunk.safetensors holds the masked weights)\n"), r.out());
            assertEquals(61_706, numel(dir.resolve("run/model-shrunk.safetensors")));
        }
    }

    @Nested
    class SpeedupSubcommand {

        @Test
        void shrinksAnExistingPrunedModelAsPruneDoes() throws Exception {
            pruneWithSpeedup().assertSucceeded();
            Path run = dir.resolve("run");
            Path out = dir.resolve("small/lenet5-small.safetensors");
            CliTests.Result r = CliTests.run("speedup", "--weights", run.resolve("model.safetensors").toString(), "--masks",
                    run.resolve("masks.safetensors").toString(), "--out", out.toString(), "--threads", "1");
            r.assertSucceeded();
            assertTrue(r.out().startsWith("speedup: 61,706 -> 35,820 parameters (58.0%), 3 layers resized, 0 left masked, "),
                    r.out());
            assertTrue(r.out().endsWith("  conv1 (Conv2d) [6, 1, 5, 5] -> [3, 1, 5, 5]\n"
                    + "  conv2 (Conv2d) [16, 6, 5, 5] -> [8, 3, 5, 5]\n"
                    + "  fc1 (Linear) [120, 400] -> [120, 200]\n"
                    + "wrote " + out + " (" + dev.shrink4j.cli.report.ResultsTable.humanBytes(
                            dev.shrink4j.cli.run.Measurements.gzipSize(out)) + " gzipped)\n"), r.out());
            // the same tensors and metadata as prune --speedup wrote
            assertEquals(ModelMetadata.read(run.resolve("model-shrunk.safetensors")).asMap(), ModelMetadata.read(out).asMap());
            assertEquals(Files.readString(run.resolve("model-shrunk.safetensors"), java.nio.charset.StandardCharsets.ISO_8859_1),
                    Files.readString(out, java.nio.charset.StandardCharsets.ISO_8859_1));
            // inspect reads the shrunk file: the layer table and the state dict have the smaller shapes
            CliTests.Result inspect = CliTests.run("inspect", "--arch", "lenet5", "--weights", out.toString());
            inspect.assertSucceeded();
            assertTrue(inspect.out().contains("\n  conv2.weight  [8, 3, 5, 5]\n"), inspect.out());
            assertTrue(inspect.out().contains("\n  fc1.weight    [120, 200]\n"), inspect.out());
        }
    }

    @Nested
    class BadInput {

        private Path weights;
        private Path out;

        /** LeNet-5's masks: all ones, with {@code change} applied; returns the masks file. */
        private Path masks(String name, java.util.function.BiConsumer<Map<String, Tensor>, Module> change) throws IOException {
            weights = CliTests.lenet5Weights(dir);
            out = dir.resolve("out.safetensors");
            Path file = dir.resolve(name);
            try (PointerScope s = new PointerScope(); Module m = ModelZoo.create("lenet5", 1, 10)) {
                Map<String, Tensor> masks = new LinkedHashMap<>();
                for (String layer : new String[] {"conv1", "conv2", "fc1", "fc2"}) {
                    masks.put(layer + ".weight_mask", torch.ones_like(m.stateDict().get(layer + ".weight")));
                }
                change.accept(masks, m);
                SafeTensors.save(masks, file);
            }
            return file;
        }

        private void assertRefused(Path masks, String arch, String data, Path weightsFile, String message) {
            CliTests.Result r = CliTests.run("speedup", "--arch", arch, "--data", data, "--weights", weightsFile.toString(),
                    "--masks", masks.toString(), "--out", out.toString(), "--threads", "1");
            r.assertUsageError("shrink4j speedup: " + message + "\n");
            assertFalse(Files.exists(out), "nothing written");
            assertEquals("", r.out());
        }

        @Test
        void aMaskOfTheWrongShape() throws Exception {
            Path m = masks("shape.safetensors", (masks, model) -> masks.put("conv2.weight_mask", torch.ones(16, 6, 5)));
            assertRefused(m, "lenet5", "fashion-mnist", weights, "masks file " + m + " cannot shrink lenet5: "
                    + "conv2.weight_mask: the mask has shape [16, 6, 5], conv2.weight has [16, 6, 5, 5]");
        }

        @Test
        void aMaskThatIsNotBinary() throws Exception {
            Path m = masks("half.safetensors", (masks, model) -> masks.get("fc1.weight_mask").mul_(new Scalar(0.5)));
            assertRefused(m, "lenet5", "fashion-mnist", weights, "masks file " + m + " cannot shrink lenet5: "
                    + "fc1.weight_mask: element 0 is 0.5 (48000 of 48000 values are neither 0 nor 1)");
        }

        @Test
        void aMaskThatEmptiesALayer() throws Exception {
            Path m = masks("empty.safetensors", (masks, model) -> masks.get("conv1.weight_mask").mul_(new Scalar(0.0)));
            assertRefused(m, "lenet5", "fashion-mnist", weights, "masks file " + m + " cannot shrink lenet5: "
                    + "the masks remove every output channel of conv1 (Conv2d, 6), which would leave it empty; "
                    + "the masks remove every input channel of conv2 (Conv2d, 6), which would leave it empty");
        }

        @Test
        void aChannelPrunedInOneLayerOfAGroupAndKeptInAnother() throws Exception {
            weights = dir.resolve("resnet20.safetensors");
            out = dir.resolve("out.safetensors");
            Path m = dir.resolve("contradiction.safetensors");
            torch.manual_seed(7);
            try (PointerScope s = new PointerScope(); ResNet net = ResNet.resnet20(3, 10)) {
                SafeTensors.save(net.stateDict(), weights);
                Tensor pruned = torch.ones_like(net.stateDict().get("layer1.0.conv2.weight"));
                pruned.narrow(0, 3, 2).mul_(new Scalar(0.0));
                SafeTensors.save(Map.of("layer1.0.conv2.weight_mask", pruned,
                        "layer1.1.conv2.weight_mask", torch.ones_like(pruned)), m);
            }
            assertRefused(m, "resnet20", "cifar10", weights, "masks file " + m + " cannot shrink resnet20: "
                    + "layer1.0.conv2.weight_mask prunes filters [3, 4] that layer1.1.conv2.weight_mask keeps (filters [3, 4]); "
                    + "both are in group 1 (conv1 OUT, bn1 OUT, layer1.0.conv1 IN, layer1.0.conv2 OUT, … 32 layers), whose layers "
                    + "must remove the same channels");
        }

        @Test
        void aMasksFileThatIsNotSafetensors() throws Exception {
            masks("unused.safetensors", (masks, model) -> { });
            Path m = dir.resolve("masks.json");
            Files.writeString(m, "{\"conv1.weight_mask\": 1}");
            assertRefused(m, "lenet5", "fashion-mnist", weights, "masks file " + m + " is not a valid safetensors file: header length "
                    + "3328571816290755195 exceeds the limit of 100000000 bytes (not a safetensors file?)");
        }
    }

    @Nested
    class InspectGraph {

        @Test
        void printsTheTracedGraphAndTheDependencyGroupsOfLeNet5() {
            CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--graph", "--groups");
            r.assertSucceeded();
            assertEquals(""
                    + "ModelGraph of LeNet5: 14 nodes, 13 edges\n"
                    + "  <input>: Input -> [1, 1, 28, 28]\n"
                    + "  conv1: Conv2d(<input> [1, 1, 28, 28]) -> [1, 6, 28, 28]\n"
                    + "  relu1: ReLU(conv1 [1, 6, 28, 28]) -> [1, 6, 28, 28]\n"
                    + "  pool1: MaxPool2d(relu1 [1, 6, 28, 28]) -> [1, 6, 14, 14]\n"
                    + "  conv2: Conv2d(pool1 [1, 6, 14, 14]) -> [1, 16, 10, 10]\n"
                    + "  relu2: ReLU(conv2 [1, 16, 10, 10]) -> [1, 16, 10, 10]\n"
                    + "  pool2: MaxPool2d(relu2 [1, 16, 10, 10]) -> [1, 16, 5, 5]\n"
                    + "  flatten: Flatten(pool2 [1, 16, 5, 5]) -> [1, 400]\n"
                    + "  fc1: Linear(flatten [1, 400]) -> [1, 120]\n"
                    + "  relu3: ReLU(fc1 [1, 120]) -> [1, 120]\n"
                    + "  fc2: Linear(relu3 [1, 120]) -> [1, 84]\n"
                    + "  relu4: ReLU(fc2 [1, 84]) -> [1, 84]\n"
                    + "  fc3: Linear(relu4 [1, 84]) -> [1, 10]\n"
                    + "  <output>: Output(fc3 [1, 10])\n"
                    // conv2's 16 output channels reach fc1 as 16 blocks of 5·5 features
                    + "6 dependency groups, 4 prunable\n"
                    + "group 0: 1 channel, pinned: the model input\n"
                    + "  conv1 IN (1): channel = index\n"
                    + "group 1: 6 channels, prunable\n"
                    + "  conv1 OUT (6): channel = index\n"
                    + "  conv2 IN (6): channel = index\n"
                    + "group 2: 16 channels, prunable\n"
                    + "  conv2 OUT (16): channel = index\n"
                    + "  fc1 IN (400): channel = index / 25\n"
                    + "group 3: 120 channels, prunable\n"
                    + "  fc1 OUT (120): channel = index\n"
                    + "  fc2 IN (120): channel = index\n"
                    + "group 4: 84 channels, prunable\n"
                    + "  fc2 OUT (84): channel = index\n"
                    + "  fc3 IN (84): channel = index\n"
                    + "group 5: 10 channels, pinned: the model output\n"
                    + "  fc3 OUT (10): channel = index\n", r.out());
        }

        @Test
        void writesTheGraphAsDot() throws Exception {
            Path dot = dir.resolve("lenet5.dot");
            CliTests.Result r = CliTests.run("inspect", "--arch", "lenet5", "--graph-dot", dot.toString());
            r.assertSucceeded();
            StringBuilder edges = new StringBuilder();
            String[] shapes = {"1x1x28x28", "1x6x28x28", "1x6x28x28", "1x6x14x14", "1x16x10x10", "1x16x10x10", "1x16x5x5",
                "1x400", "1x120", "1x120", "1x84", "1x84", "1x10"};
            for (int i = 0; i < shapes.length; i++) {
                edges.append("  n").append(i).append(" -> n").append(i + 1).append(" [label=\"").append(shapes[i]).append("\"];\n");
            }
            assertEquals("digraph \"LeNet5\" {\n"
                    + "  rankdir=TB;\n"
                    + "  node [shape=box, fontname=\"Helvetica\"];\n"
                    + "  edge [fontname=\"Helvetica\", fontsize=10];\n"
                    + "  n0 [label=\"<input>\\nInput\", shape=ellipse];\n"
                    + "  n1 [label=\"conv1\\nConv2d\"];\n"
                    + "  n2 [label=\"relu1\\nReLU\"];\n"
                    + "  n3 [label=\"pool1\\nMaxPool2d\"];\n"
                    + "  n4 [label=\"conv2\\nConv2d\"];\n"
                    + "  n5 [label=\"relu2\\nReLU\"];\n"
                    + "  n6 [label=\"pool2\\nMaxPool2d\"];\n"
                    + "  n7 [label=\"flatten\\nFlatten\"];\n"
                    + "  n8 [label=\"fc1\\nLinear\"];\n"
                    + "  n9 [label=\"relu3\\nReLU\"];\n"
                    + "  n10 [label=\"fc2\\nLinear\"];\n"
                    + "  n11 [label=\"relu4\\nReLU\"];\n"
                    + "  n12 [label=\"fc3\\nLinear\"];\n"
                    + "  n13 [label=\"<output>\\nOutput\", shape=ellipse];\n"
                    + edges + "}\n", Files.readString(dot));
            assertEquals("wrote " + dot + " (14 nodes, 13 edges)\n", r.out());
        }

        @Test
        void graphOptionsDoNotGoWithJson() {
            CliTests.run("inspect", "--arch", "lenet5", "--graph", "--json").assertUsageError(
                    "shrink4j inspect: --json shows the layer table; it does not go with --graph, --groups or --graph-dot\n");
        }
    }
}
