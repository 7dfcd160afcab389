package dev.shrink4j.cli.command;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prune} with a restructuring compressor (low-rank, from the amc module through ServiceLoader) on LeNet-5:
 * the written model has the FLOPs and parameters of the ranks the FLOPs ratio gives (by hand below), {@code evaluate}
 * reloads it through its metadata to the printed accuracy, its {@code model.onnx} gives the libtorch logits, a
 * fine-tune trains the new layers, and a bad ratio is a one-line usage error.
 */
class LowRankCommandTest {

    private static final Path CONFIG = Path.of("..", "configs", "amc", "low-rank.json").toAbsolutePath().normalize();

    // configs/amc/low-rank.json: conv2 and fc1 at compress_ratio 0.5, svd. conv2 (6→16, 5×5, 10×10 outputs):
    // 241,600 FLOPs (with bias), 16,600 per rank → rank floor(120,800 / 16,600) = 7 → 7·16,600 + 1,600 = 117,800.
    // fc1 (400→120): 48,120 FLOPs, 520 per rank → rank floor(24,060 / 520) = 46 → 46·520 + 120 = 24,040.
    private static final long CONV2_RANK = 7;
    private static final long FC1_RANK = 46;
    private static final long SELECTED_BEFORE = 241_600 + 48_120;
    private static final long SELECTED_AFTER = 117_800 + 24_040;
    // LeNet-5 has 61,706 parameters; conv2 (2,416) becomes 7·150 + 16·7 + 16 = 1,178, fc1 (48,120) 46·400 + 120·46 + 120
    private static final long PARAMS_AFTER = 61_706 - 2_416 - 48_120 + 1_178 + 24_040;

    @TempDir
    Path dir;

    private CliTests.Result prune(Path weights, Path config, Path data, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("prune", "--arch", "lenet5", "--weights", weights.toString(), "--config",
                config.toString(), "--data-dir", data.toString(), "--batch-size", "8", "--out", out.toString(),
                "--threads", "1"));
        args.addAll(List.of(more));
        return CliTests.runWithProviders(args.toArray(String[]::new));
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " not in:\n" + text);
        return m.group(1);
    }

    private static long number(String printed) {
        return Long.parseLong(printed.replace(",", ""));
    }

    @Test
    void lowRankWritesTheReportedModelThatEvaluateAndOnnxRuntimeReload() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path out = dir.resolve("low-rank");
        CliTests.Result r = prune(CliTests.lenet5Weights(dir), CONFIG, data, out, "--epochs", "0");
        r.assertSucceeded();

        long denseBefore;
        try (LeNet5 fresh = new LeNet5(10)) {
            denseBefore = ModelProfiler.profile(fresh, new long[] {1, 1, 28, 28}).totalFlops();
        }
        // the printed summary: the library's report table, then the model's parameters and FLOPs
        assertTrue(r.out().contains("total"), r.out());
        assertEquals(PARAMS_AFTER, number(group(r.out(), "parameters: ([0-9,]+);")));
        assertEquals(denseBefore, number(group(r.out(), "FLOPs: ([0-9,]+) ->")));
        assertEquals(denseBefore - SELECTED_BEFORE + SELECTED_AFTER, number(group(r.out(), "FLOPs: [0-9,]+ -> ([0-9,]+)")));
        double printedAccuracy = Double.parseDouble(group(r.out(), "test accuracy ([0-9.]+)%"));

        // the report as JSON: the library's per-layer FLOPs
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("compression.json"))).getAsJsonObject();
        assertEquals(SELECTED_BEFORE, report.get("flops_before").getAsLong());
        assertEquals(SELECTED_AFTER, report.get("flops_after").getAsLong());

        // the file: the pairs' tensors at the hand ranks, the structure in the metadata
        Path model = out.resolve("model.safetensors");
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> state = SafeTensors.load(model);
            assertArrayEquals(new long[] {CONV2_RANK, 6, 5, 5}, state.get("conv2.0.weight").shape());
            assertArrayEquals(new long[] {16, CONV2_RANK, 1, 1}, state.get("conv2.1.weight").shape());
            assertArrayEquals(new long[] {FC1_RANK, 400}, state.get("fc1.0.weight").shape());
            assertArrayEquals(new long[] {120, FC1_RANK}, state.get("fc1.1.weight").shape());
            assertEquals(PARAMS_AFTER, state.values().stream().mapToLong(Tensor::numel).sum());
        }
        JsonObject layers = JsonParser.parseString(ModelMetadata.read(model).get("low_rank_layers").orElseThrow())
                .getAsJsonObject();
        assertEquals(CONV2_RANK, layers.getAsJsonObject("conv2").get("rank").getAsLong());
        assertEquals(FC1_RANK, layers.getAsJsonObject("fc1").get("rank").getAsLong());

        // evaluate reloads it through its metadata (no --arch) to the accuracy prune printed
        CliTests.Result e = CliTests.runWithProviders("evaluate", "--weights", model.toString(), "--data-dir", data.toString(), "--batch-size", "8");
        e.assertSucceeded();
        assertEquals(printedAccuracy, Double.parseDouble(group(e.out(), "accuracy ([0-9.]+)%")), 1e-9);

        // model.onnx of the restructured model: ONNX Runtime's logits are libtorch's on the reloaded model
        int n = 4;
        float[] x;
        float[] expected;
        try (Module net = Models.load("lenet5", DataSpec.FASHION_MNIST, model); PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            assertEquals(denseBefore - SELECTED_BEFORE + SELECTED_AFTER,
                    ModelProfiler.profile(net, new long[] {1, 1, 28, 28}).totalFlops());
            net.eval();
            torch.manual_seed(3);
            Tensor input = torch.randn(n, 1, 28, 28);
            x = OnnxCommandTest.floats(input);
            expected = OnnxCommandTest.floats(net.call(input));
        }
        float[] actual;
        try (OnnxModel onnx = OnnxModel.load(out.resolve("model.onnx"), 1)) {
            actual = onnx.run(x, n, 1, 28, 28);
        }
        assertEquals(expected.length, actual.length);
        assertTrue(maxAbsDiff(expected, actual) < OnnxCommandTest.LOGIT_TOLERANCE, "max abs diff " + maxAbsDiff(expected, actual));
    }

    @Test
    void exportRewritesTheRestructuredModelSoItStillReloads() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
        Path out = dir.resolve("low-rank");
        prune(CliTests.lenet5Weights(dir), CONFIG, data, out, "--epochs", "0").assertSucceeded();
        Path copy = dir.resolve("copy.safetensors");
        CliTests.Result e = CliTests.runWithProviders("export", "--weights", out.resolve("model.safetensors").toString(), "--format", "safetensors",
                "--out", copy.toString());
        e.assertSucceeded();
        try (Module original = Models.load("lenet5", DataSpec.FASHION_MNIST, out.resolve("model.safetensors"));
                Module rewritten = Models.load("lenet5", DataSpec.FASHION_MNIST, copy); PointerScope s = new PointerScope()) {
            Map<String, Tensor> a = original.stateDict();
            Map<String, Tensor> b = rewritten.stateDict();
            assertEquals(a.keySet(), b.keySet());
            a.forEach((k, v) -> assertTrue(v.equal(b.get(k)), k));
        }
    }

    @Test
    void accuracyFirstGetsTheTestAccuracyAsItsEvaluator() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 20);
        Path weights = CliTests.lenet5Weights(dir);
        Path config = dir.resolve("accuracy-first.json");
        // a threshold of 1.0 an untrained LeNet-5 misses at every rank: both layers are kept, each row with the accuracy
        // of the model as it is, which is the test accuracy of the weights
        Files.writeString(config, "{\"pruner\": \"low-rank\", \"config_list\": [{\"op_names\": [\"conv2\", \"fc1\"], "
                + "\"compress_ratio\": 0.5, \"accuracy_first\": true, \"accuracy_threshold\": 1.0}]}");
        Path out = dir.resolve("af");
        prune(weights, config, data, out, "--epochs", "0").assertSucceeded();
        double expected;
        try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope();
                Dataset test = IdxDataset.FASHION_MNIST.load(data, Split.TEST, Normalization.FASHION_MNIST)) {
            net.loadStateDict(SafeTensors.load(weights), true);
            expected = new Evaluator().evaluate(net, DataLoader.builder().setDataset(test).setBatchSize(8).build()).accuracy();
        }
        assertTrue(expected < 1.0, "the threshold must be missed, accuracy " + expected);
        JsonObject report = JsonParser.parseString(Files.readString(out.resolve("compression.json"))).getAsJsonObject();
        for (var row : report.getAsJsonArray("layers")) {
            JsonObject o = row.getAsJsonObject();
            assertEquals(0, o.get("rank").getAsLong(), o.toString());
            assertEquals(expected, o.get("accuracy").getAsDouble(), 1e-12, o.toString());
        }
        assertEquals(report.get("flops_before").getAsLong(), report.get("flops_after").getAsLong());
    }

    @Test
    void fineTuningTrainsTheNewLayers() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path weights = CliTests.lenet5Weights(dir);
        // the same start, then no epoch and one epoch of fine-tuning
        Path still = dir.resolve("epochs0");
        prune(weights, CONFIG, data, still, "--epochs", "0").assertSucceeded();
        Path tuned = dir.resolve("epochs1");
        prune(weights, CONFIG, data, tuned, "--epochs", "1", "--seed", "1").assertSucceeded();
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> before = SafeTensors.load(still.resolve("model.safetensors"));
            Map<String, Tensor> after = SafeTensors.load(tuned.resolve("model.safetensors"));
            assertEquals(before.keySet(), after.keySet());
            // the pairs exist only after compression: they change only if the optimizer was built over them
            for (String key : List.of("conv2.0.weight", "conv2.1.weight", "conv2.1.bias", "fc1.0.weight", "fc1.1.weight",
                    "fc1.1.bias", "conv1.weight")) {
                assertFalse(before.get(key).equal(after.get(key)), key + " did not change in the fine-tune");
            }
        }
    }

    @Test
    void aRatioAboveOneIsAUsageErrorNamingTheEntryAndField() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
        Path config = dir.resolve("bad.json");
        Files.writeString(config, "{\"pruner\": \"low-rank\", \"config_list\": [{\"op_names\": [\"conv2\"], "
                + "\"compress_ratio\": 1.5}]}");
        Path out = dir.resolve("bad");
        CliTests.Result r = prune(CliTests.lenet5Weights(dir), config, data, out, "--epochs", "0");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("config_list[0]") && r.err().contains("compress_ratio") && r.err().contains("1.5"),
                r.err());
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }

}
