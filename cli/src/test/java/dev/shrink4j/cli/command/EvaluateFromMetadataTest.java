package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.workbench.data.DataLoader;
import dev.shrink4j.workbench.data.Dataset;
import dev.shrink4j.workbench.data.IdxDataset;
import dev.shrink4j.nn.Normalization;
import dev.shrink4j.workbench.data.Split;
import dev.shrink4j.nn.io.ModelMetadata;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.workbench.train.Evaluation;
import dev.shrink4j.workbench.train.Evaluator;
import dev.shrink4j.workbench.zoo.LeNet5;
import dev.shrink4j.prune.Pruner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate --weights F} without {@code --arch} takes the architecture and the input normalisation
 * from F's metadata, which {@code prune}, {@code quantize} and {@code train} write.
 */
class EvaluateFromMetadataTest {

    static final Path CONFIGS = Path.of("..", "configs").toAbsolutePath().normalize();
    static final Pattern ACCURACY_AND_LOSS = Pattern.compile("^accuracy (\\d+\\.\\d\\d)%  loss (\\d+\\.\\d{4})  latency ");

    @TempDir
    Path dir;

    @Test
    void evaluateWithoutArchOnAPrunedExportGivesTheSameAccuracyAsWithArch() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path cfg = dir.resolve("level.json");
        Files.writeString(cfg, "{\"pruner\": \"level\", \"config_list\": [{\"sparsity\": 0.6, \"op_types\": [\"default\"]}]}");
        Path out = dir.resolve("pruned");
        CliTests.Result p = CliTests.run("prune", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(),
                "--config", cfg.toString(), "--out", out.toString(), "--threads", "1");
        assertEquals(0, p.code(), p.err());
        Path model = out.resolve("model.safetensors");
        Path masks = out.resolve("masks.safetensors");

        String[] common = {"--weights", model.toString(), "--masks", masks.toString(), "--data-dir", data.toString(),
            "--batch-size", "10"};
        CliTests.Result withArch = CliTests.run(concat(new String[] {"evaluate", "--arch", "lenet5"}, common));
        CliTests.Result withoutArch = CliTests.run(concat(new String[] {"evaluate"}, common));
        assertEquals(0, withArch.code(), withArch.err());
        assertEquals(0, withoutArch.code(), withoutArch.err());
        // the same accuracy and loss as with --arch, and as the pruned model evaluated here (Fashion-MNIST's normalisation)
        assertEquals(accuracyAndLoss(withArch.out()), accuracyAndLoss(withoutArch.out()));
        Evaluation expected;
        try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope();
                Dataset test = IdxDataset.FASHION_MNIST.load(data, Split.TEST, Normalization.FASHION_MNIST)) {
            net.loadStateDict(SafeTensors.load(model), true);
            Pruner.applyCompressionResults(net, masks);
            expected = new Evaluator().evaluate(net, DataLoader.builder().setDataset(test).setBatchSize(10).build());
        }
        assertEquals(String.format(Locale.ROOT, "%.2f %.4f", 100 * expected.accuracy(), expected.loss()),
                accuracyAndLoss(withoutArch.out()));
    }

    @Test
    void evaluateNormalisesTheImagesAsTheWeightsMetadataSays() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 20);
        Normalization recorded = Normalization.of(0.5, 0.25);
        Path weights = dir.resolve("w.safetensors");
        torch.manual_seed(7);
        try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope()) {
            SafeTensors.save(net.stateDict(), ModelMetadata.empty().withArch("lenet5").withNormalization(recorded).asMap(),
                    weights);
        }
        CliTests.Result r = CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString(),
                "--batch-size", "10");
        r.assertSucceeded();
        String usual;
        String metadata;
        try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope()) {
            net.loadStateDict(SafeTensors.load(weights), true);
            metadata = evaluate(net, data, recorded);
            usual = evaluate(net, data, Normalization.FASHION_MNIST);
        }
        assertEquals(metadata, accuracyAndLoss(r.out()));
        assertNotEquals(usual, metadata, "the two normalisations must give different losses for this test to mean anything");
    }

    @Test
    void withoutArchAFileThatRecordsNoneIsAUsageError() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
        Path weights = CliTests.lenet5Weights(dir); // written without metadata
        CliTests.Result r = CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString());
        r.assertUsageError("shrink4j evaluate: --arch or --model is needed: " + weights + " records no architecture in its metadata\n");
    }

    @Test
    void aMalformedRecordedNormalisationIsAUsageErrorNamingTheFileAndKey() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
        Path weights = dir.resolve("bad.safetensors");
        try (LeNet5 net = new LeNet5(10); PointerScope s = new PointerScope()) {
            SafeTensors.save(net.stateDict(), Map.of("arch", "lenet5", "input_mean", "[0.5]", "input_std", "zero"), weights);
        }
        CliTests.Result r = CliTests.run("evaluate", "--weights", weights.toString(), "--data-dir", data.toString());
        r.assertUsageError("shrink4j evaluate: weights file " + weights
                + ": metadata input_std must be a non-empty JSON array of finite numbers, got zero\n");
    }

    @Test
    void lsqQuantizedWithoutArchReloadsFromItsCalibration() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path cfg = CONFIGS.resolve("lsq.json");
        Path out = dir.resolve("lsq");
        CliTests.Result q = CliTests.run("quantize", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(),
                "--config", cfg.toString(), "--out", out.toString(), "--epochs", "1", "--data-dir", data.toString(),
                "--batch-size", "8", "--threads", "1");
        assertEquals(0, q.code(), q.err());
        Matcher after = Pattern.compile("test accuracy \\d+\\.\\d\\d% before, (\\d+\\.\\d\\d)% after").matcher(q.out());
        assertTrue(after.find(), q.out());
        CliTests.Result e = CliTests.run("evaluate", "--weights", out.resolve("model.safetensors").toString(), "--config",
                cfg.toString(), "--calibration", out.resolve("calibration.json").toString(), "--data-dir", data.toString(),
                "--batch-size", "8");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().startsWith("accuracy " + after.group(1) + "%  loss "), e.out() + " vs " + q.out());
    }

    private static String evaluate(LeNet5 net, Path data, Normalization n) {
        try (Dataset test = IdxDataset.FASHION_MNIST.load(data, Split.TEST, n)) {
            Evaluation e = new Evaluator().evaluate(net, DataLoader.builder().setDataset(test).setBatchSize(10).build());
            return String.format(Locale.ROOT, "%.2f %.4f", 100 * e.accuracy(), e.loss());
        }
    }

    private static String accuracyAndLoss(String out) {
        Matcher m = ACCURACY_AND_LOSS.matcher(out);
        assertTrue(m.find(), out);
        return m.group(1) + " " + m.group(2);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
