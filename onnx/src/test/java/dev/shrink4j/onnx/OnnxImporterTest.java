package dev.shrink4j.onnx;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.graph.speedup.ModelSpeedup;
import dev.shrink4j.graph.speedup.SpeedupResult;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.layers.BatchNorm;
import dev.shrink4j.nn.layers.Conv2d;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.onnx.proto.OnnxProtos.ModelProto;
import dev.shrink4j.onnx.proto.OnnxProtos.NodeProto;
import dev.shrink4j.prune.L1FilterPruner;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.workbench.stats.ModelProfiler;
import dev.shrink4j.workbench.train.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link OnnxImporter} on the ONNX files real PyTorch exported into the shared models folder (skipped where CI lacks
 * it): PyTorch's logits and state-dict keys, the round trip through {@link OnnxExporter} and ONNX Runtime, LeNet-5's
 * test accuracy, and ResNet-18 pruned, shrunk and exported.
 */
class OnnxImporterTest {

    @TempDir
    Path dir;

    /**
     * The keys of the PyTorch model's state dict, from the file alone: the initializers, the initializers PyTorch's
     * exporter replaced by an Identity of an equal one, and {@code num_batches_tracked} of every batch norm (which
     * ONNX does not hold).
     */
    static Set<String> pytorchKeys(Path file) throws IOException {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(file));
        Set<String> keys = new TreeSet<>();
        proto.getGraph().getInitializerList().forEach(t -> keys.add(t.getName()));
        for (NodeProto n : proto.getGraph().getNodeList()) {
            if (n.getOpType().equals("Identity") && keys.contains(n.getInput(0))) {
                keys.add(n.getOutput(0));
            }
            if (n.getOpType().equals("BatchNormalization")) {
                String scale = n.getInput(1);
                keys.add(scale.substring(0, scale.lastIndexOf('.')) + ".num_batches_tracked");
            }
        }
        return keys;
    }

    @ParameterizedTest
    @CsvSource({"lenet5_fashion, 10, 1, 28", "resnet18, 122, 3, 32", "mobilenet_v2, 314, 3, 32", "squeezenet1_1, 52, 3, 64"})
    void computesPyTorchsLogitsUnderPyTorchsStateDictKeys(String name, int keyCount, long channels, long side)
            throws IOException {
        Path models = SharedModels.require();
        JsonObject expected = SharedModels.expected(models, name);
        Path file = models.resolve(expected.get("file").getAsString());
        try (ImportedModel model = OnnxImporter.load(file); PointerScope s = new PointerScope()) {
            assertArrayEquals(new long[] {channels, side, side}, model.inputShape());
            assertEquals(10, model.classCount());
            assertEquals(13, model.opset());
            Set<String> keys = new TreeSet<>(model.stateDict().keySet());
            assertEquals(pytorchKeys(file), keys);
            assertEquals(keyCount, keys.size(), "torchvision's state_dict() has this many keys");
            float[] logits = OnnxTesting.evalOutput(model, SharedModels.input(expected));
            assertTrue(maxAbsDiff(SharedModels.logits(expected), logits) <= 1e-4,
                    name + ": " + maxAbsDiff(SharedModels.logits(expected), logits));
        }
    }

    @ParameterizedTest
    @CsvSource({"lenet5_fashion", "resnet18", "mobilenet_v2", "squeezenet1_1"})
    void exportedBackRunsInOnnxRuntimeWithPyTorchsLogits(String name) throws IOException {
        Path models = SharedModels.require();
        JsonObject expected = SharedModels.expected(models, name);
        Path out = dir.resolve(name + "-roundtrip.onnx");
        try (ImportedModel model = OnnxImporter.load(models.resolve(expected.get("file").getAsString()))) {
            OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(out);
        }
        try (OnnxModel ort = OnnxModel.load(out, 2); PointerScope s = new PointerScope()) {
            float[] logits = OnnxTesting.values(ort.run(SharedModels.input(expected)));
            assertTrue(maxAbsDiff(SharedModels.logits(expected), logits) <= 1e-4,
                    name + ": " + maxAbsDiff(SharedModels.logits(expected), logits));
        }
        // and the exported file imports again, under the same keys
        try (ImportedModel again = OnnxImporter.load(out); PointerScope s = new PointerScope()) {
            assertEquals(pytorchKeys(models.resolve(expected.get("file").getAsString())), new TreeSet<>(again.stateDict().keySet()));
            float[] logits = OnnxTesting.evalOutput(again, SharedModels.input(expected));
            assertTrue(maxAbsDiff(SharedModels.logits(expected), logits) <= 1e-4);
        }
    }

    @Test
    void lenet5ReachesTheTestAccuracyPyTorchMeasured() throws IOException {
        Path models = SharedModels.require();
        Assumptions.assumeTrue(Files.isDirectory(IdxDataset.FASHION_MNIST.defaultDirectory()), "Fashion-MNIST is absent");
        JsonObject expected = SharedModels.expected(models, "lenet5_fashion");
        try (ImportedModel model = OnnxImporter.load(models.resolve("lenet5_fashion.onnx"));
                Dataset test = IdxDataset.FASHION_MNIST.load(Split.TEST)) {
            // the normalisation PyTorch trained with (expected.json) is Fashion-MNIST's usual one
            assertEquals(0.286, expected.getAsJsonObject("normalization").get("mean").getAsDouble(), 1e-9);
            assertEquals(0.353, expected.getAsJsonObject("normalization").get("std").getAsDouble(), 1e-9);
            double accuracy = new Evaluator().evaluate(model, DataLoader.builder().setDataset(test).setBatchSize(500).build())
                    .accuracy();
            assertEquals(expected.get("test_accuracy").getAsDouble(), accuracy, 0.0002);
        }
    }

    /**
     * Prunes every Conv2d of {@code model} (a 3×32×32 classifier) by L1 filter norm at 50%, dependency-aware, puts the
     * masked weights in and shrinks it ({@link ModelSpeedup}); {@code masks} receives the masks.
     */
    static SpeedupResult pruneHalfAndShrink(Module model, Map<String, Tensor> masks) {
        Map<String, Tensor> masked;
        try (L1FilterPruner pruner = L1FilterPruner.builder().setModel(model)
                .setConfigList(ConfigList.fromJson("[{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]"))
                .optDependencyAware(1, 3, 32, 32).build()) {
            pruner.compress();
            pruner.masks().forEach((k, v) -> masks.put(k, v.clone()));
            masked = pruner.maskedStateDict();
        }
        model.loadStateDict(masked, true);
        try (PointerScope s = new PointerScope()) {
            return ModelSpeedup.apply(model, torch.zeros(1, 3, 32, 32), masks);
        }
    }

    @Nested
    class PrunedResNet18 {

        /**
         * The parameter count of {@code dense} with every channel group halved, by formula: each convolution keeps
         * half its filters and half its input channels (the stem's 3 image channels stay), each batch norm half its
         * channels, the classifier half its input features.
         */
        long halvedParameters(Module dense) {
            long n = 0;
            for (Module m : dense.namedModules().values()) {
                if (m instanceof Conv2d c) {
                    long in = c.inChannels() == 3 ? 3 : c.inChannels() / 2;
                    n += c.outChannels() / 2 * in * c.kernelSize()[0] * c.kernelSize()[1];
                } else if (m instanceof BatchNorm bn) {
                    n += bn.numFeatures(); // weight and bias of half the channels
                } else if (m instanceof Linear l) {
                    n += l.outFeatures() * (l.inFeatures() / 2) + l.outFeatures();
                }
            }
            return n;
        }

        @Test
        void l1FilterHalfDependencyAwareShrinksToASmallerOnnxModelThatOnnxRuntimeRuns() throws IOException {
            Path models = SharedModels.require();
            Path out = dir.resolve("resnet18-shrunk.onnx");
            try (ImportedModel model = OnnxImporter.load(models.resolve("resnet18.onnx"));
                    ImportedModel dense = OnnxImporter.load(models.resolve("resnet18.onnx"))) {
                Map<String, Tensor> masks = new LinkedHashMap<>();
                SpeedupResult result = pruneHalfAndShrink(model, masks);
                assertEquals(20, masks.size(), "every Conv2d of ResNet-18 has a weight mask (no biases)");
                assertEquals(dense.parameterCount(), result.parametersBefore());
                assertEquals(halvedParameters(dense), model.parameterCount());
                long denseFlops = ModelProfiler.profile(dense, 1, 3, 32, 32).totalFlops();
                long shrunkFlops = ModelProfiler.profile(model, 1, 3, 32, 32).totalFlops();
                assertTrue(shrunkFlops < 0.3 * denseFlops, shrunkFlops + " vs " + denseFlops);

                OnnxExporter.builder().setModel(model).setInputShape(model.inputShape()).build().export(out);
                try (OnnxModel ort = OnnxModel.load(out, 2); PointerScope s = new PointerScope();
                        NoGradGuard g = new NoGradGuard()) {
                    assertArrayEquals(new long[] {-1, 10}, ort.outputShape());
                    Tensor x = torch.randn(2, 3, 32, 32);
                    float[] expected = OnnxTesting.evalOutput(model, x);
                    assertTrue(maxAbsDiff(expected, OnnxTesting.values(ort.run(x))) <= 1e-4);
                }
                try (ImportedModel shrunk = OnnxImporter.load(out)) {
                    assertEquals(model.parameterCount(), shrunk.parameterCount());
                    assertEquals(model.stateDict().keySet(), shrunk.stateDict().keySet());
                }
                assertTrue(Files.size(out) < 0.3 * Files.size(models.resolve("resnet18.onnx")));
            }
        }
    }
}
