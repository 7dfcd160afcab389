package dev.shrink4j.cli.command;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static dev.shrink4j.nn.TensorDifferences.rawBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.cli.run.DataSpec;
import dev.shrink4j.cli.run.Models;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.Flatten;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.layers.Sequential;
import dev.shrink4j.onnx.OnnxExporter;
import dev.shrink4j.onnx.OnnxModel;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.TensorProto;
import dev.shrink4j.workbench.zoo.LeNet5;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ONNX side of the command line: {@code prune} and {@code quantize} write {@code model.onnx} (masked, shrunk,
 * QDQ) that ONNX Runtime runs to the libtorch model's logits or with the int8 export's integers; {@code export}
 * round-trips; {@code evaluate --onnx} agrees with {@code evaluate}; files that do not fit are one-line usage
 * errors naming the file.
 */
class OnnxCommandTest {

    static final Path CONFIGS = Path.of("..", "configs").toAbsolutePath().normalize();

    /** ONNX Runtime against libtorch in float32: the max abs difference of their logits. */
    static final double LOGIT_TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    /** A seeded random batch of {@code n} Fashion-MNIST-shaped samples. */
    private static float[] randomBatch(int n) {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(11);
            return floats(torch.randn(n, 1, 28, 28));
        }
    }

    static float[] floats(Tensor t) {
        Tensor c = t.detach().contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    /** The eval-mode logits of {@code arch} loaded from {@code weights} (a shrunk file with its widths) on {@code x}. */
    private static float[] libtorchLogits(Path weights, float[] x, int n) {
        try (Module model = Models.load("lenet5", DataSpec.FASHION_MNIST, weights); PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            model.eval();
            return floats(model.call(Tensor.create(x, n, 1, 28, 28)));
        }
    }

    private static float[] onnxLogits(Path onnx, float[] x, int n) throws IOException {
        try (OnnxModel model = OnnxModel.load(onnx, 1)) {
            return model.run(x, n, 1, 28, 28);
        }
    }

    private static ModelProto proto(Path onnx) throws IOException {
        return ModelProto.parseFrom(Files.readAllBytes(onnx));
    }

    private static Map<String, TensorProto> initializers(Path onnx) throws IOException {
        Map<String, TensorProto> out = new LinkedHashMap<>();
        proto(onnx).getGraph().getInitializerList().forEach(t -> out.put(t.getName(), t));
        return out;
    }

    /** Every float initializer's element count: the parameters the ONNX model stores. */
    private static long floatParameters(Path onnx) throws IOException {
        return initializers(onnx).values().stream().filter(t -> t.getDataType() == TensorProto.DataType.FLOAT_VALUE)
                .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact)).sum();
    }

    private Path l1FilterConfig() throws IOException {
        Path cfg = dir.resolve("l1.json");
        Files.writeString(cfg, "{\"pruner\": \"l1-filter\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        return cfg;
    }

    @Nested
    class Prune {

        @Test
        void writesTheMaskedModelAsOnnxWithTheLibtorchLogits() throws Exception {
            Path out = dir.resolve("masked");
            CliTests.Result r = CliTests.compress("prune", CliTests.lenet5Weights(dir), l1FilterConfig(), out, "--epochs", "0");
            r.assertSucceeded();
            Path onnx = out.resolve("model.onnx");
            assertTrue(r.out().contains("wrote " + onnx + " ("), r.out());
            float[] x = randomBatch(5);
            double diff = maxAbsDiff(libtorchLogits(out.resolve("model.safetensors"), x, 5), onnxLogits(onnx, x, 5));
            assertTrue(diff <= LOGIT_TOLERANCE, "max |ORT − libtorch| = " + diff);
            // dense: LeNet-5's 61,706 parameters, the pruned filters as zeros
            assertEquals(61_706, floatParameters(onnx));
            try (OnnxModel m = OnnxModel.load(onnx, 1)) {
                ModelMetadata md = m.metadata();
                assertEquals("lenet5", md.arch().orElseThrow());
                assertEquals("fashion-mnist", md.get(ModelMetadata.DATASET).orElseThrow());
                assertEquals("l1-filter", md.algorithm().orElseThrow());
                assertEquals(ModelMetadata.MASKED_WEIGHTS, md.contents().orElseThrow());
                assertEquals(Normalization.FASHION_MNIST.toString(), md.normalization().orElseThrow().toString());
                assertEquals(ModelMetadata.read(out.resolve("model.safetensors")).config(), md.config());
            }
        }

        @Test
        void withSpeedupWritesTheShrunkModelWithFewerParameters() throws Exception {
            Path out = dir.resolve("shrunk");
            CliTests.Result r = CliTests.compress("prune", CliTests.lenet5Weights(dir), l1FilterConfig(), out, "--epochs", "0",
                    "--speedup");
            r.assertSucceeded();
            Path onnx = out.resolve("model.onnx");
            float[] x = randomBatch(5);
            double diff = maxAbsDiff(libtorchLogits(out.resolve("model-shrunk.safetensors"), x, 5), onnxLogits(onnx, x, 5));
            assertTrue(diff <= LOGIT_TOLERANCE, "max |ORT − libtorch| = " + diff);
            // the shrunk model's parameters, as SpeedupCommandTest computes them by hand
            assertEquals(SpeedupCommandTest.SHRUNK_PARAMS, floatParameters(onnx));
            assertTrue(SpeedupCommandTest.SHRUNK_PARAMS < 61_706);
            // and the masked model's logits too: speedup removed only zeros
            double vsMasked = maxAbsDiff(libtorchLogits(out.resolve("model.safetensors"), x, 5), onnxLogits(onnx, x, 5));
            assertTrue(vsMasked <= LOGIT_TOLERANCE, "max |ORT shrunk − libtorch masked| = " + vsMasked);
            try (OnnxModel m = OnnxModel.load(onnx, 1)) {
                assertEquals(ModelMetadata.read(out.resolve("model-shrunk.safetensors")).layerWidths(), m.metadata().layerWidths());
                assertEquals(3L, m.metadata().layerWidths().orElseThrow().get("conv1").get("out_channels"));
            }
        }
    }

    @Nested
    class Quantize {

        @Test
        void qatWritesQdqWhoseIntegersAreTheInt8ExportAndExportWritesTheSame() throws Exception {
            Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
            Path cfg = CONFIGS.resolve("qat.json");
            Path out = dir.resolve("qat");
            CliTests.Result r = CliTests.compress("quantize", CliTests.lenet5Weights(dir), cfg, out, "--calibration-batches", "2",
                    "--epochs", "0", "--data-dir", data.toString(), "--batch-size", "8");
            r.assertSucceeded();
            Path onnx = out.resolve("model.onnx");
            Map<String, TensorProto> init = initializers(onnx);
            List<String> layers = List.of("conv1", "conv2", "fc1", "fc2", "fc3");
            try (PointerScope s = new PointerScope()) {
                Map<String, Tensor> int8 = SafeTensors.load(out.resolve("model-int8.safetensors"));
                for (String layer : layers) {
                    String key = layer + ".weight";
                    assertEquals(TensorProto.DataType.UINT8_VALUE, init.get(key).getDataType(), key + ": the int8 export's uint8");
                    assertArrayEquals(rawBytes(int8.get(key)), init.get(key).getRawData().toByteArray(), key);
                }
            }
            // QuantizeLinear/DequantizeLinear around activations too (qat.json quantizes the inputs)
            long quantizeNodes = proto(onnx).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear")).count();
            assertTrue(quantizeNodes >= layers.size(), "QuantizeLinear nodes: " + quantizeNodes);
            // the results row carries the ONNX Runtime latency the console printed
            Matcher ort = Pattern.compile("ONNX Runtime \\(" + Pattern.quote(onnx.toString())
                    + ", 1 thread\\): test accuracy (\\d+\\.\\d\\d)%, latency (\\d+\\.\\d\\d) ms/batch\n").matcher(r.out());
            assertTrue(ort.find(), r.out());
            RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
            // the console rounds the latency to 2 decimals, the report to 3 (Rounding.MILLIS_DECIMALS): they differ by up
            // to 0.005 + 0.0005 (0.6349 prints 0.63 and is kept as 0.635; 0.6351 prints 0.64, kept as 0.635)
            assertEquals(Double.parseDouble(ort.group(2)), report.results().get(0).ortLatencyMs(), 0.0055);

            // export --format onnx from the full-precision weights and the calibration: the same integers
            Path exported = dir.resolve("exported.onnx");
            CliTests.run("export", "--weights", out.resolve("model.safetensors").toString(), "--config", cfg.toString(),
                    "--calibration", out.resolve("calibration.json").toString(), "--format", "onnx", "--out", exported.toString())
                    .assertSucceeded();
            Map<String, TensorProto> again = initializers(exported);
            assertEquals(init.keySet(), again.keySet());
            for (String key : init.keySet()) {
                assertEquals(init.get(key), again.get(key), key);
            }
        }

        @Test
        void dorefaSaysItsOnnxWeightsAreFakeQuantizedFloat() throws Exception {
            Path out = dir.resolve("dorefa");
            Path cfg = dir.resolve("dorefa-w.json");
            Files.writeString(cfg, "{\"quantizer\": \"dorefa\", \"config_list\": [{\"quant_types\": [\"weight\"], "
                    + "\"quant_bits\": {\"weight\": 4}, \"op_names\": [\"conv2\", \"fc1\"]}]}");
            CliTests.Result r = CliTests.compress("quantize", CliTests.lenet5Weights(dir), cfg, out, "--calibration-batches", "0");
            r.assertSucceeded();
            Path onnx = out.resolve("model.onnx");
            float[] x = randomBatch(4);
            double diff = maxAbsDiff(libtorchLogits(out.resolve("model-fakequant.safetensors"), x, 4), onnxLogits(onnx, x, 4));
            assertTrue(diff <= LOGIT_TOLERANCE, "max |ORT − libtorch fake-quant| = " + diff);
            try (OnnxModel m = OnnxModel.load(onnx, 1)) {
                String note = m.metadata().get(OnnxExporter.QUANTIZATION_NOTE).orElseThrow();
                assertTrue(r.out().contains("wrote " + onnx + " (") && r.out().contains(note.lines().findFirst().orElseThrow()),
                        r.out() + " / " + note);
            }
            assertEquals(0, proto(onnx).getGraph().getNodeList().stream().filter(n -> n.getOpType().endsWith("QuantizeLinear")).count());
        }
    }

    @Nested
    class Export {

        private Path weightsWithMetadata() throws IOException {
            Path w = dir.resolve("trained.safetensors");
            torch.manual_seed(7);
            try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope()) {
                SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("lenet5").withDataset("fashion-mnist")
                        .withNormalization(Normalization.of(0.5, 0.25)).withContents(ModelMetadata.WEIGHTS).asMap(), w);
            }
            return w;
        }

        @Test
        void onnxRunsToTheLibtorchLogitsAndKeepsTheMetadata() throws Exception {
            Path w = weightsWithMetadata();
            Path onnx = dir.resolve("out/lenet5.onnx");
            CliTests.Result r = CliTests.run("export", "--weights", w.toString(), "--format", "onnx", "--out", onnx.toString());
            r.assertSucceeded();
            assertTrue(r.out().startsWith("wrote " + onnx + " (ONNX, "), r.out());
            float[] x = randomBatch(6);
            double diff = maxAbsDiff(libtorchLogits(w, x, 6), onnxLogits(onnx, x, 6));
            assertTrue(diff <= LOGIT_TOLERANCE, "max |ORT − libtorch| = " + diff);
            try (OnnxModel m = OnnxModel.load(onnx, 1)) {
                assertEquals("lenet5", m.metadata().arch().orElseThrow());
                assertEquals(Normalization.of(0.5, 0.25).toString(), m.metadata().normalization().orElseThrow().toString());
            }
            try (var files = Files.list(onnx.getParent())) {
                assertEquals(List.of(onnx), files.toList(), "written atomically: no temporary file left");
            }
        }

        @Test
        void safetensorsHoldsTheSameTensorsAndMetadata() throws Exception {
            Path w = weightsWithMetadata();
            Path copy = dir.resolve("copy.safetensors");
            CliTests.run("export", "--weights", w.toString(), "--format", "safetensors", "--out", copy.toString()).assertSucceeded();
            try (PointerScope s = new PointerScope()) {
                Map<String, Tensor> a = SafeTensors.load(w);
                Map<String, Tensor> b = SafeTensors.load(copy);
                assertEquals(List.copyOf(a.keySet()), List.copyOf(b.keySet()));
                a.forEach((k, t) -> assertArrayEquals(rawBytes(t), rawBytes(b.get(k)), k));
            }
            assertEquals(ModelMetadata.read(w).entries(), ModelMetadata.read(copy).entries());
        }

        @Test
        void aDirectoryAsOutIsAUsageError() throws Exception {
            Path w = weightsWithMetadata();
            CliTests.run("export", "--weights", w.toString(), "--format", "onnx", "--out", dir.toString()).assertUsageError(
                    "shrink4j export: --out " + dir + " is a directory; export writes one file, e.g. " + dir.resolve("model.onnx") + "\n");
        }

        @Test
        void anUnknownFormatIsAUsageError() throws Exception {
            Path w = weightsWithMetadata();
            CliTests.Result r = CliTests.run("export", "--weights", w.toString(), "--format", "tflite", "--out", "x");
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("--format") && r.err().contains("tflite") && r.err().contains("onnx, safetensors"), r.err());
        }
    }

    @Nested
    class Evaluate {

        @Test
        void onnxAccuracyAndLossEqualLibtorchsOnATestSubset() throws Exception {
            Path trained = dir.resolve("train");
            Path data = TinyIdx.write(dir.resolve("data"), 60, 100);
            CliTests.run("train", "--arch", "lenet5", "--data-dir", data.toString(), "--epochs", "2", "--batch-size", "10",
                    "--out", trained.toString(), "--threads", "1").assertSucceeded();
            Path weights = trained.resolve("model.safetensors");
            Path onnx = dir.resolve("lenet5.onnx");
            CliTests.run("export", "--weights", weights.toString(), "--format", "onnx", "--out", onnx.toString()).assertSucceeded();
            String[] subset = {"--data-dir", data.toString(), "--test-samples", "60", "--batch-size", "16", "--threads", "1"};
            CliTests.Result libtorch = CliTests.run(SpeedupCommandTest.concat(new String[] {"evaluate", "--weights", weights.toString()},
                    subset));
            CliTests.Result ort = CliTests.run(SpeedupCommandTest.concat(new String[] {"evaluate", "--onnx", onnx.toString()}, subset));
            libtorch.assertSucceeded();
            ort.assertSucceeded();
            assertTrue(ort.out().matches("accuracy \\d+\\.\\d\\d%  loss \\d+\\.\\d{4}  latency \\d+\\.\\d{3} ms/batch "
                    + "\\(batch 16, 60 samples, ONNX Runtime with 1 thread\\)\n"), ort.out());
            double[] a = accuracyAndLoss(libtorch.out());
            double[] b = accuracyAndLoss(ort.out());
            assertEquals(a[0], b[0], 0.2, "accuracy (%)");
            assertEquals(a[1], b[1], 2e-4, "loss");
            assertTrue(a[0] > 10, "the model learnt something, so that agreement means something: " + a[0] + "%");
        }

        private static double[] accuracyAndLoss(String out) {
            Matcher m = EvaluateFromMetadataTest.ACCURACY_AND_LOSS.matcher(out);
            assertTrue(m.find(), out);
            return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
        }

        /** Writes {@code model} as ONNX for samples of {@code sampleShape}. */
        private Path onnxOf(Module model, String name, long... sampleShape) throws IOException {
            Path file = dir.resolve(name);
            OnnxExporter.builder().setModel(model).setInputShape(sampleShape).build().export(file);
            return file;
        }

        private CliTests.Result evaluateOnnx(Path onnx) throws IOException {
            Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
            return CliTests.run("evaluate", "--onnx", onnx.toString(), "--data-dir", data.toString());
        }

        @Test
        void aFileThatIsNotOnnxIsAUsageErrorNamingIt() throws Exception {
            Path notOnnx = dir.resolve("weights.onnx");
            Files.writeString(notOnnx, "this is not a protobuf");
            CliTests.Result r = evaluateOnnx(notOnnx);
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("shrink4j evaluate: " + notOnnx + " is not an ONNX model ONNX Runtime can load: "), r.err());
        }

        @Test
        void anInputShapeThatDoesNotFitTheDatasetIsAUsageErrorNamingBoth() throws Exception {
            Path onnx;
            try (Sequential m = new Sequential(new Flatten(), new Linear(3 * 8 * 8, 10))) {
                onnx = onnxOf(m, "rgb8.onnx", 3, 8, 8);
            }
            evaluateOnnx(onnx).assertUsageError("shrink4j evaluate: " + onnx + ": the model takes input [batch, 3, 8, 8], "
                    + "the data's samples are [1, 28, 28]\n");
        }

        @Test
        void anOutputWidthOtherThanTheClassCountIsAUsageErrorNamingBoth() throws Exception {
            Path onnx;
            try (Sequential m = new Sequential(new Flatten(), new Linear(28 * 28, 7))) {
                onnx = onnxOf(m, "seven.onnx", 1, 28, 28);
            }
            evaluateOnnx(onnx).assertUsageError("shrink4j evaluate: " + onnx + ": the model outputs 7 logits per sample "
                    + "(output [batch, 7]), the data has 10 classes\n");
        }

        @Test
        void aMissingFileIsAUsageError() {
            Path missing = dir.resolve("missing.onnx");
            CliTests.run("evaluate", "--onnx", missing.toString())
                    .assertUsageError("shrink4j evaluate: ONNX file " + missing + " does not exist\n");
        }

        @Test
        void onnxWithWeightsIsAUsageError() {
            CliTests.run("evaluate", "--onnx", "m.onnx", "--weights", "w.safetensors").assertUsageError(
                    "shrink4j evaluate: --onnx takes no --weights, --arch, --model, --masks, --config or --calibration: the ONNX file "
                            + "m.onnx holds the whole model\n");
        }

        @Test
        void neitherWeightsNorOnnxIsAUsageError() {
            CliTests.run("evaluate").assertUsageError(
                    "shrink4j evaluate: --weights (safetensors, run in libtorch), --model (an ONNX file imported and run in "
                            + "libtorch) or --onnx (run in ONNX Runtime) is needed\n");
        }
    }
}
