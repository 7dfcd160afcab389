package dev.shrink4j.cli.command;

import static dev.shrink4j.nn.TensorDifferences.maxAbsDiff;
import static dev.shrink4j.nn.TensorValues.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --weights F}: fine-tuning from a weights file instead of a random initialisation. A shrunk LeNet-5
 * (L1-filter at 50% of both convolutions, {@code prune --speedup --epochs 0}: conv1 keeps 3 of 6 filters, conv2 8 of
 * 16, fc1 200 of 400 inputs) is trained at its shrunk shapes and written with its layer widths, so {@code evaluate}
 * rebuilds it from the file alone; so is a ResNet-20 shrunk by dependency groups (issue 17's search output). A plain
 * file at a vanishing learning rate comes back unchanged (it was loaded, not drawn at random); a missing, unfit or
 * restructured file is a one-line usage error.
 */
class TrainFromWeightsCommandTest {

    /** The train output's "test loss L, accuracy A% (...)" line. */
    private static final Pattern TRAIN_TEST = Pattern.compile("^test loss (\\d+\\.\\d{4}), accuracy (\\d+\\.\\d\\d)% ",
            Pattern.MULTILINE);

    /** The shapes {@link SpeedupCommandTest} computes for the L1-filter 50% LeNet-5. */
    private static final Map<String, String> SHRUNK_SHAPES = Map.of("conv1.weight", "[3, 1, 5, 5]", "conv1.bias", "[3]",
            "conv2.weight", "[8, 3, 5, 5]", "conv2.bias", "[8]", "fc1.weight", "[120, 200]", "fc1.bias", "[120]",
            "fc2.weight", "[84, 120]", "fc2.bias", "[84]", "fc3.weight", "[10, 84]", "fc3.bias", "[10]");

    @TempDir
    Path dir;

    private Path data;

    @BeforeEach
    void writeData() throws IOException {
        data = TinyIdx.write(dir.resolve("data"), 40, 20);
    }

    private CliTests.Result train(Path weights, Path out, String... more) {
        return train("lenet5", weights, out, more);
    }

    private CliTests.Result train(String arch, Path weights, Path out, String... more) {
        String[] args = {"train", "--arch", arch, "--weights", weights.toString(), "--data-dir", data.toString(),
                "--batch-size", "8", "--out", out.toString(), "--threads", "1"};
        return CliTests.run(SpeedupCommandTest.concat(args, more));
    }

    /**
     * Checks what {@code train --weights shrunk} (run {@code r}) wrote to {@code trained}: the shrunk shapes and layer
     * widths of {@code shrunk}, moved weights, and a file {@code evaluate} rebuilds alone (no --arch) to the accuracy
     * and loss train printed.
     */
    private void assertTrainedAtTheShrunkWidths(Path shrunk, CliTests.Result r, Path trained) throws IOException {
        r.assertSucceeded();
        assertEquals(shapes(shrunk), shapes(trained));
        assertEquals(ModelMetadata.read(shrunk).layerWidths().orElseThrow(),
                ModelMetadata.read(trained).layerWidths().orElseThrow());
        assertEquals(ModelMetadata.SHRUNK_WEIGHTS, ModelMetadata.read(trained).contents().orElseThrow());
        // 5 steps of Adam at 0.002 (40 samples, batch 8) move the weights by more than the rounding of a float
        assertTrue(maxDifference(shrunk, trained) > 1e-4, "training left the weights where they were");
        CliTests.Result e = CliTests.run("evaluate", "--weights", trained.toString(), "--data-dir", data.toString(),
                "--batch-size", "8");
        e.assertSucceeded();
        assertEquals(trainAccuracyAndLoss(r), evaluateAccuracyAndLoss(e));
    }

    /** {@code prune --speedup --epochs 0} of the seed-7 LeNet-5, L1-filter at 50% of both convolutions. */
    private Path shrunkLenet5() throws IOException {
        Path cfg = dir.resolve("l1.json");
        Files.writeString(cfg, "{\"pruner\": \"l1-filter\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        CliTests.compress("prune", CliTests.lenet5Weights(dir), cfg, dir.resolve("pruned"), "--speedup").assertSucceeded();
        return dir.resolve("pruned").resolve("model-shrunk.safetensors");
    }

    private static Map<String, String> shapes(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PointerScope s = new PointerScope()) {
            SafeTensors.load(file).forEach((k, t) -> out.put(k, Arrays.toString(t.shape())));
        }
        return out;
    }

    /** The largest difference between the two files' float tensors (both must hold the same keys). */
    private static double maxDifference(Path a, Path b) throws IOException {
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> x = SafeTensors.load(a);
            Map<String, Tensor> y = SafeTensors.load(b);
            assertEquals(x.keySet(), y.keySet());
            double max = 0;
            for (String k : x.keySet()) {
                // the float tensors: a batch norm's num_batches_tracked (int64) counts steps, it holds no weight
                if (x.get(k).is_floating_point()) {
                    max = Math.max(max, maxAbsDiff(values(x.get(k)), values(y.get(k))));
                }
            }
            return max;
        }
    }

    /** Accuracy and loss as train printed them: "A L". */
    private static String trainAccuracyAndLoss(CliTests.Result r) {
        Matcher m = TRAIN_TEST.matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(2) + " " + m.group(1);
    }

    /** Accuracy and loss as evaluate printed them: "A L". */
    private static String evaluateAccuracyAndLoss(CliTests.Result r) {
        Matcher m = EvaluateFromMetadataTest.ACCURACY_AND_LOSS.matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(1) + " " + m.group(2);
    }

    @Test
    void aShrunkFileIsTrainedAtItsShrunkShapesAndWrittenWithItsWidths() throws Exception {
        Path shrunk = shrunkLenet5();
        assertEquals(SHRUNK_SHAPES, shapes(shrunk));
        Path out = dir.resolve("train");
        Path trained = out.resolve("model.safetensors");
        assertTrainedAtTheShrunkWidths(shrunk, train(shrunk, out, "--epochs", "1"), trained);
        assertEquals(SHRUNK_SHAPES, shapes(trained));
        ModelMetadata written = ModelMetadata.read(trained);
        assertEquals(3L, written.layerWidths().orElseThrow().get("conv1").get("out_channels"));
        assertEquals(200L, written.layerWidths().orElseThrow().get("fc1").get("in_features"));
        assertEquals("lenet5", written.arch().orElseThrow());
    }

    @Test
    void aShrunkResNet20KeepsItsDependencyGroupWidthsThroughTraining() throws Exception {
        // the shape of issue 17's search output: a ResNet-20 shrunk by whole dependency groups (batch norms included)
        Path dense = CliTests.resnet20Weights(dir, 1);
        Path cfg = Files.writeString(dir.resolve("l1-dep.json"), "{\"pruner\": \"l1-filter\", \"dependency_aware\": true, "
                + "\"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"Conv2d\"]}]}");
        Path pruned = dir.resolve("pruned");
        CliTests.run("prune", "--arch", "resnet20", "--weights", dense.toString(), "--config", cfg.toString(), "--data-dir",
                data.toString(), "--epochs", "0", "--speedup", "--out", pruned.toString(), "--threads", "1").assertSucceeded();
        Path shrunk = pruned.resolve("model-shrunk.safetensors");
        Map<String, String> shrunkShapes = shapes(shrunk);
        // each block's inner channels (conv1 → bn1 → conv2) form a group of their own, which keeps half of them
        assertEquals("[8, 16, 3, 3]", shrunkShapes.get("layer1.0.conv1.weight"));
        assertEquals("[8]", shrunkShapes.get("layer1.0.bn1.running_mean"));
        assertEquals("[16, 8, 3, 3]", shrunkShapes.get("layer1.0.conv2.weight"));
        assertEquals("[16, 32, 3, 3]", shrunkShapes.get("layer2.1.conv1.weight"));

        Path out = dir.resolve("train");
        assertTrainedAtTheShrunkWidths(shrunk, train("resnet20", shrunk, out, "--epochs", "1"), out.resolve("model.safetensors"));
    }

    @Test
    void aPlainFileIsTheStartAtAVanishingLearningRate() throws Exception {
        // a trained file, then train again from it at a learning rate that cannot move the weights
        Path first = dir.resolve("first");
        train(CliTests.lenet5Weights(dir), first, "--epochs", "1").assertSucceeded();
        Path trained = first.resolve("model.safetensors");
        Path out = dir.resolve("again");
        CliTests.Result r = train(trained, out, "--epochs", "1", "--lr", "1e-12");
        r.assertSucceeded();
        Path again = out.resolve("model.safetensors");
        // Adam's step is at most about lr per weight: 5 steps of 1e-12
        assertTrue(maxDifference(trained, again) < 1e-6, "the weights did not start from " + trained);
        assertTrue(maxDifference(dir.resolve("w.safetensors"), again) > 1e-4, "the first run did not train");
        // the control: the same run without --weights ends at its random initialisation, far from the trained file
        Path random = dir.resolve("random");
        CliTests.run("train", "--arch", "lenet5", "--data-dir", data.toString(), "--batch-size", "8", "--out",
                random.toString(), "--threads", "1", "--epochs", "1", "--lr", "1e-12").assertSucceeded();
        assertTrue(maxDifference(trained, random.resolve("model.safetensors")) > 1e-3);
        ModelMetadata written = ModelMetadata.read(again);
        assertFalse(written.layerWidths().isPresent());
        assertEquals(ModelMetadata.WEIGHTS, written.contents().orElseThrow());
        assertEquals("lenet5", written.arch().orElseThrow());
    }

    @Test
    void aMissingFileIsAUsageError() {
        Path missing = dir.resolve("nothing.safetensors");
        Path out = dir.resolve("train");
        train(missing, out, "--epochs", "1").assertUsageError("shrink4j train: weights file " + missing + " does not exist\n");
        assertFalse(Files.exists(out));
    }

    @Test
    void aFileOfAnotherArchitectureIsAUsageError() throws Exception {
        Path shrunk = shrunkLenet5();
        Path out = dir.resolve("train");
        CliTests.Result r = train("resnet20", shrunk, out, "--epochs", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("shrink4j train: weights file " + shrunk + " does not fit resnet20 (a shrunk model): "),
                r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aRestructuredFileIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path lowRank = dir.resolve("low-rank");
        CliTests.runWithProviders("prune", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(),
                "--config", Path.of("..", "configs", "amc", "low-rank.json").toAbsolutePath().normalize().toString(),
                "--data-dir", data.toString(), "--batch-size", "8", "--out", lowRank.toString(), "--threads", "1",
                "--epochs", "0").assertSucceeded();
        Path file = lowRank.resolve("model.safetensors");
        Path out = dir.resolve("train");
        train(file, out, "--epochs", "1").assertUsageError("shrink4j train: weights file " + file
                + " is restructured (\"low_rank_layers\" by low-rank): train cannot write that structure back; fine-tune it "
                + "with prune --config <its config> --epochs N from the weights it was made from\n");
        assertFalse(Files.exists(out));
    }
}
