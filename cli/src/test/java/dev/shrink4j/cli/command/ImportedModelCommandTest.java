package dev.shrink4j.cli.command;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.io.StrictJson;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model F.onnx}: the commands import a model from an ONNX file. In the repository (so CI runs them): a
 * LeNet-5 that {@code export --arch lenet5} wrote, imported back and round-tripped, inspected, pruned and its weights
 * evaluated from their metadata; the importer's ops fixture (3×20×20 input) refused for Fashion-MNIST; files that are
 * no importable model. With the shared PyTorch-made models (skipped when the folder is absent): LeNet-5's accuracy
 * as PyTorch measured it, and ResNet-18 pruned and shrunk.
 */
class ImportedModelCommandTest {

    /** The importer's fixture made by PyTorch: input 3×20×20, 10 classes, opset 13. */
    static final Path OPS_FIXTURE = Path.of("..", "onnx", "src", "test", "resources", "onnx-import", "ops_opset13.onnx")
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** A LeNet-5 ONNX file as {@code export --arch lenet5} writes it from seeded weights. */
    private Path lenetOnnx() throws IOException {
        Path onnx = dir.resolve("lenet5.onnx");
        CliTests.run("export", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(), "--format", "onnx",
                "--out", onnx.toString()).assertSucceeded();
        return onnx;
    }

    private static float[] onnxLogits(Path onnx, float[] x, long... shape) throws IOException {
        try (OnnxModel model = OnnxModel.load(onnx, 1)) {
            return model.run(x, shape);
        }
    }

    private static float[] randomBatch(long... shape) {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(5);
            Tensor c = torch.randn(shape).contiguous();
            float[] out = new float[(int) c.numel()];
            c.data_ptr_float().get(out);
            return out;
        }
    }

    /** The accuracy {@code evaluate} printed, in percent. */
    private static double accuracy(CliTests.Result r) {
        Matcher m = Pattern.compile("^accuracy ([0-9.]+)%").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void exportRoundTripsAnImportedModel() throws IOException {
        Path in = lenetOnnx();
        float[] x = randomBatch(4, 1, 28, 28);
        float[] imported = onnxLogits(in, x, 4, 1, 28, 28);
        Path out = dir.resolve("back.onnx");
        CliTests.Result r = CliTests.run("export", "--model", in.toString(), "--format", "onnx", "--out", out.toString());
        assertEquals("wrote " + out + " (ONNX, ", r.out().substring(0, Math.min(r.out().length(), out.toString().length() + 14)), r.err());
        double diff = maxAbsDiff(imported, onnxLogits(out, x, 4, 1, 28, 28));
        assertTrue(diff <= OnnxCommandTest.LOGIT_TOLERANCE, "max |ORT(exported) − ORT(imported)| = " + diff);
        try (OnnxModel m = OnnxModel.load(out, 1)) {
            assertEquals(Models.onnxArch(in), m.metadata().arch().orElseThrow());
        }
    }

    @Test
    void inspectShowsTheImportedLayersFlopsAndGroups() throws IOException {
        Path in = lenetOnnx();
        CliTests.Result zoo = CliTests.run("inspect", "--arch", "lenet5", "--json");
        CliTests.Result imported = CliTests.run("inspect", "--model", in.toString(), "--json");
        imported.assertSucceeded();
        JsonObject z = StrictJson.parse(zoo.out()).getAsJsonObject();
        JsonObject i = StrictJson.parse(imported.out()).getAsJsonObject();
        // the same network as the zoo LeNet-5 it was exported from: state-dict keys and shapes, parameters, FLOPs
        assertEquals(z.get("state_dict"), i.get("state_dict"));
        assertEquals(z.get("total_params"), i.get("total_params"));
        assertEquals(z.get("total_flops"), i.get("total_flops"));
        assertEquals(Models.onnxArch(in), i.get("arch").getAsString());
        CliTests.Result table = CliTests.run("inspect", "--model", in.toString());
        table.assertSucceeded();
        for (String layer : List.of("conv1", "conv2", "fc1", "fc2", "fc3")) {
            assertTrue(table.out().contains(layer), layer + " in\n" + table.out());
        }
        CliTests.Result groups = CliTests.run("inspect", "--model", in.toString(), "--groups");
        groups.assertSucceeded();
        assertEquals(CliTests.run("inspect", "--arch", "lenet5", "--groups").out().lines().findFirst(),
                groups.out().lines().findFirst(), groups.out());
    }

    @Test
    void prunedWeightsOfAnImportedModelReloadFromTheirMetadata() throws IOException {
        Path in = lenetOnnx();
        Path data = TinyIdx.write(dir.resolve("data"), 0, 40);
        Path out = dir.resolve("run");
        CliTests.run("prune", "--model", in.toString(), "--config", OnnxCommandTest.CONFIGS.resolve("l1-filter.json").toString(),
                "--epochs", "0", "--out", out.toString(), "--threads", "1").assertSucceeded();
        Path weights = out.resolve("model.safetensors");
        assertEquals(Optional.of(Models.onnxArch(in)), ModelMetadata.read(weights).arch());
        // libtorch on the reloaded weights (no --arch, no --model) against ONNX Runtime on the run's model.onnx
        CliTests.Result libtorch = CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString());
        libtorch.assertSucceeded();
        CliTests.Result ort = CliTests.run("evaluate", "--onnx", out.resolve("model.onnx").toString(), "--data-dir", data.toString());
        ort.assertSucceeded();
        assertEquals(accuracy(ort), accuracy(libtorch), 1e-9);
        // l1-filter at 50% on Conv2d: 3 of conv1's 6 filters and 8 of conv2's 16 are zero in the saved weights
        try (PointerScope s = new PointerScope()) {
            var state = SafeTensors.load(weights);
            assertEquals(3, zeroFilters(state.get("conv1.weight")));
            assertEquals(8, zeroFilters(state.get("conv2.weight")));
        }
    }

    /** The number of output filters of a conv weight {@code [out, in, kh, kw]} that are all zero. */
    private static long zeroFilters(Tensor weight) {
        return weight.reshape(weight.size(0), -1).abs().sum(1).eq(new org.bytedeco.pytorch.Scalar(0.0)).sum().item_long();
    }

    @Test
    void aDatasetThatDoesNotFitTheModelIsAUsageErrorNamingBothShapes() {
        CliTests.run("inspect", "--model", OPS_FIXTURE.toString()).assertUsageError("shrink4j inspect: " + OPS_FIXTURE
                + ": the model takes input 3×20×20 and gives 10 classes; fashion-mnist has 1×28×28 images and 10 classes "
                + "(--input-channels 3 --resize 20 adapts fashion-mnist; --input-channels 3 --resize 20 adapts mnist; "
                + "--resize 20 adapts cifar10)\n");
        CliTests.run("inspect", "--model", OPS_FIXTURE.toString(), "--resize", "20").assertUsageError("shrink4j inspect: "
                + OPS_FIXTURE + ": the model takes input 3×20×20 and gives 10 classes; fashion-mnist has 1×20×20 images and "
                + "10 classes (--input-channels 3 --resize 20 adapts fashion-mnist; --input-channels 3 --resize 20 adapts "
                + "mnist; --resize 20 adapts cifar10)\n");
        CliTests.run("inspect", "--model", OPS_FIXTURE.toString(), "--input-channels", "3", "--resize", "20").assertSucceeded();
    }

    @Test
    void anAdaptedDatasetEvaluatesAsTheSameImagesAdaptedIndependentlyDoInOnnxRuntime() throws IOException {
        int samples = 32;
        Path data = TinyIdx.write(dir.resolve("data"), 0, 40);
        CliTests.Result r = CliTests.run("evaluate", "--model", OPS_FIXTURE.toString(), "--data-dir", data.toString(),
                "--input-channels", "3", "--resize", "20", "--test-samples", Integer.toString(samples), "--batch-size", "64");
        r.assertSucceeded();
        // The same images adapted here by the formulas (Fashion-MNIST normalisation, the grey channel three times,
        // bilinear 28 → 20 with half-pixel centres as torchvision's Resize), run in ONNX Runtime on the original file.
        byte[] idx = Files.readAllBytes(data.resolve("t10k-images-idx3-ubyte"));
        byte[] labels = Files.readAllBytes(data.resolve("t10k-labels-idx1-ubyte"));
        float[] x = new float[samples * 3 * 20 * 20];
        for (int n = 0; n < samples; n++) {
            for (int i = 0; i < 20; i++) {
                double sy = Math.max(0, (i + 0.5) * 28 / 20 - 0.5);
                int y0 = (int) sy;
                int y1 = Math.min(y0 + 1, 27);
                for (int j = 0; j < 20; j++) {
                    double sx = Math.max(0, (j + 0.5) * 28 / 20 - 0.5);
                    int x0 = (int) sx;
                    int x1 = Math.min(x0 + 1, 27);
                    double top = pixel(idx, n, y0, x0) * (1 - (sx - x0)) + pixel(idx, n, y0, x1) * (sx - x0);
                    double bottom = pixel(idx, n, y1, x0) * (1 - (sx - x0)) + pixel(idx, n, y1, x1) * (sx - x0);
                    float v = (float) (top * (1 - (sy - y0)) + bottom * (sy - y0));
                    for (int c = 0; c < 3; c++) {
                        x[((n * 3 + c) * 20 + i) * 20 + j] = v;
                    }
                }
            }
        }
        float[] logits = onnxLogits(OPS_FIXTURE, x, samples, 3, 20, 20);
        int correct = 0;
        double loss = 0;
        for (int n = 0; n < samples; n++) {
            int label = labels[8 + n];
            int best = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 10; k++) {
                if (logits[n * 10 + k] > max) {
                    max = logits[n * 10 + k];
                    best = k;
                }
            }
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                sum += Math.exp(logits[n * 10 + k] - max);
            }
            loss += max + Math.log(sum) - logits[n * 10 + label];
            correct += best == label ? 1 : 0;
        }
        // evaluate prints the accuracy to two decimals
        assertTrue(r.out().startsWith(String.format(java.util.Locale.ROOT, "accuracy %.2f%%", 100.0 * correct / samples)),
                correct + " of " + samples + " correct in ONNX Runtime; " + r.out());
        Matcher m = Pattern.compile("loss ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(loss / samples, Double.parseDouble(m.group(1)), 1e-4, r.out());
        assertTrue(r.out().contains("(batch 64, " + samples + " samples)"), r.out());
    }

    @Test
    void weightsMadeOnAdaptedImagesRecordTheShapeAndNeedTheOptionsAgain() throws IOException {
        Path data = TinyIdx.write(dir.resolve("data"), 0, 20);
        Path out = dir.resolve("run");
        CliTests.run("prune", "--model", OPS_FIXTURE.toString(), "--input-channels", "3", "--resize", "20", "--config",
                OnnxCommandTest.CONFIGS.resolve("l1-filter.json").toString(), "--epochs", "0", "--out", out.toString(),
                "--threads", "1").assertSucceeded();
        Path weights = out.resolve("model.safetensors");
        assertEquals(Optional.of("3x20x20"), ModelMetadata.read(weights).get(Models.INPUT_SHAPE));
        CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString()).assertUsageError(
                "shrink4j evaluate: weights file " + weights + " was made on 3×20×20 images, fashion-mnist gives 1×28×28 "
                        + "(give --input-channels 3 --resize 20 again)\n");
        CliTests.Result again = CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString(),
                "--input-channels", "3", "--resize", "20");
        again.assertSucceeded();
        CliTests.Result ort = CliTests.run("evaluate", "--onnx", out.resolve("model.onnx").toString(), "--data-dir",
                data.toString(), "--input-channels", "3", "--resize", "20");
        ort.assertSucceeded();
        assertEquals(accuracy(ort), accuracy(again), 1e-9);
    }

    /** Test image {@code n}'s pixel at {@code (row, col)} of an IDX image file, normalised as Fashion-MNIST. */
    private static double pixel(byte[] idx, int n, int row, int col) {
        return ((idx[16 + n * 784 + row * 28 + col] & 0xFF) / 255.0 - 0.2860) / 0.3530;
    }

    @Test
    void badAdaptationsAreOneLineUsageErrors() {
        CliTests.run("evaluate", "--model", OPS_FIXTURE.toString(), "--resize", "0").assertUsageError("shrink4j evaluate: "
                + "--resize must be H or HxW with positive whole numbers of pixels, got \"0\"\n");
        CliTests.run("evaluate", "--model", OPS_FIXTURE.toString(), "--resize", "20x").assertUsageError("shrink4j evaluate: "
                + "--resize must be H or HxW with positive whole numbers of pixels, got \"20x\"\n");
        CliTests.run("evaluate", "--model", OPS_FIXTURE.toString(), "--input-channels", "2", "--resize", "20")
                .assertUsageError("shrink4j evaluate: --input-channels 2: fashion-mnist has 1-channel images; only 1-channel "
                        + "(grey) images can be repeated into 3 channels\n");
        CliTests.run("evaluate", "--model", OPS_FIXTURE.toString(), "--data", "cifar10", "--input-channels", "1")
                .assertUsageError("shrink4j evaluate: --input-channels 1: cifar10 has 3-channel images; only 1-channel "
                        + "(grey) images can be repeated into 3 channels\n");
    }

    @Test
    void weightsAreNeededWithArchOnlyAndNothingIsWritten() {
        Path out = dir.resolve("never");
        CliTests.run("prune", "--arch", "lenet5", "--config", OnnxCommandTest.CONFIGS.resolve("l1-filter.json").toString(),
                "--epochs", "0", "--out", out.toString()).assertUsageError("shrink4j prune: --weights is needed with --arch lenet5 "
                + "(only --model F.onnx brings its own weights)\n");
        assertTrue(Files.notExists(out));
        CliTests.run("quantize", "--config", OnnxCommandTest.CONFIGS.resolve("naive.json").toString(), "--out", out.toString())
                .assertUsageError("shrink4j quantize: --arch (a zoo model) or --model F.onnx (an imported model) is needed\n");
    }

    @Test
    void archAndModelExcludeEachOther() throws IOException {
        Path in = lenetOnnx();
        CliTests.run("evaluate", "--arch", "lenet5", "--model", in.toString()).assertUsageError("shrink4j evaluate: --arch lenet5 "
                + "and --model " + in + " exclude each other: --arch builds a zoo model, --model imports an ONNX file\n");
    }

    @Test
    void filesThatAreNoImportableModelAreOneLineUsageErrors() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "this is not a model\n");
        assertOneLineNaming(CliTests.run("inspect", "--model", text.toString()), text, "not an ONNX model");

        byte[] bytes = Files.readAllBytes(OPS_FIXTURE);
        Path truncated = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(bytes, bytes.length / 2));
        assertOneLineNaming(CliTests.run("inspect", "--model", truncated.toString()), truncated, "truncated");

        // the fixture with its first node's op type renamed to one no importer knows
        ModelProto proto = ModelProto.parseFrom(bytes);
        ModelProto.Builder b = proto.toBuilder();
        b.getGraphBuilder().getNodeBuilder(0).setOpType("FancyOp");
        Path unsupported = Files.write(dir.resolve("unsupported.onnx"), b.build().toByteArray());
        assertOneLineNaming(CliTests.run("inspect", "--model", unsupported.toString()), unsupported, "FancyOp");

        Path missing = dir.resolve("missing.onnx");
        CliTests.run("prune", "--model", missing.toString(), "--config", OnnxCommandTest.CONFIGS.resolve("l1-filter.json").toString(),
                "--epochs", "0", "--out", dir.resolve("r").toString()).assertUsageError("shrink4j prune: ONNX model " + missing
                + " does not exist\n");
    }

    private static void assertOneLineNaming(CliTests.Result r, Path file, String culprit) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j inspect: " + file + ": "), r.err());
        assertTrue(r.err().contains(culprit), r.err());
    }

    // ---------------------------------------------------------------- the shared PyTorch-made models

    /** The shared models folder, or a skipped test when it is absent (CI). */
    private static Path sharedModels() {
        for (String candidate : List.of("/work/shared/models", "../shared/models", "../../shared/models")) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p.resolve("expected.json"))) {
                return p.toAbsolutePath().normalize();
            }
        }
        Assumptions.abort("the shared models folder (../shared/models) is absent");
        return null;
    }

    @Test
    void evaluateReachesTheAccuracyPyTorchMeasuredForItsLenet5() throws IOException {
        Path shared = sharedModels();
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte"))
                || Files.isRegularFile(Path.of("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")), "Fashion-MNIST is absent");
        double expected = 100 * StrictJson.parse(Files.readString(shared.resolve("expected.json"))).getAsJsonObject()
                .getAsJsonObject("lenet5_fashion").get("test_accuracy").getAsDouble();
        CliTests.Result r = CliTests.run("evaluate", "--model", shared.resolve("lenet5_fashion.onnx").toString(), "--batch-size", "500");
        r.assertSucceeded();
        assertEquals(expected, accuracy(r), 0.02, r.out());
    }

    @Test
    void resnet18PrunedWithoutDataShrinksToASmallerOnnxFile() throws IOException {
        Path resnet = sharedModels().resolve("resnet18.onnx");
        Path out = dir.resolve("resnet");
        Path cfg = Files.writeString(dir.resolve("l1-dep.json"), "{\"pruner\": \"l1-filter\", \"dependency_aware\": true, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        // --data cifar10 only sizes the model (3×32×32, 10 classes): with --epochs 0 no dataset is read
        CliTests.Result r = CliTests.run("prune", "--model", resnet.toString(), "--data", "cifar10", "--data-dir",
                dir.resolve("no-such-dataset").toString(), "--config", cfg.toString(), "--epochs", "0", "--speedup",
                "--out", out.toString());
        r.assertSucceeded();
        // the parameters the onnx module's ImportedResNet18Bench counts for the same pruning: 11,181,642 → 2,801,450
        assertTrue(r.out().contains("shrunk model: 2,801,450 parameters (25.1% of 11,181,642)"), r.out());
        Path onnx = out.resolve("model.onnx");
        assertTrue(Files.size(onnx) < Files.size(resnet) / 2, Files.size(onnx) + " bytes vs " + Files.size(resnet));
        try (OnnxModel m = OnnxModel.load(onnx, 1)) {
            assertEquals(List.of(10L), Arrays.stream(m.outputShape()).skip(1).boxed().toList());
        }
        float[] x = randomBatch(2, 3, 32, 32);
        assertEquals(20, onnxLogits(onnx, x, 2, 3, 32, 32).length);
    }
}
