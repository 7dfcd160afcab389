package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.nn.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainEvaluateCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainWritesWeightsAndCurvesThenEvaluateReadsThem() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path out = dir.resolve("train");
        CliTests.Result r = CliTests.run("train", "--arch", "lenet5", "--data-dir", data.toString(), "--epochs", "2",
                "--batch-size", "8", "--out", out.toString(), "--threads", "1");
        r.assertSucceeded();
        try (PointerScope s = new PointerScope()) {
            assertEquals(10, SafeTensors.load(out.resolve("model.safetensors")).size()); // 5 layers × (weight, bias)
        }
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        assertEquals(2, report.trainingCurves().size());
        assertEquals(2, report.trainingCurves().get(1).epoch());
        assertEquals(1, report.results().size());
        assertTrue(Files.readString(out.resolve("report.html")).contains("Training curves"));

        CliTests.Result e = CliTests.run("evaluate", "--arch", "lenet5", "--weights", out.resolve("model.safetensors").toString(),
                "--data-dir", data.toString(), "--batch-size", "10");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().matches("accuracy \\d+\\.\\d\\d%  loss \\d+\\.\\d{4}  latency \\d+\\.\\d{3} ms/batch \\(batch 10, 20 samples\\)\n"),
                e.out());
    }

    @Test
    void missingDatasetIsAUsageError() {
        Path missing = dir.resolve("nodata");
        CliTests.Result r = CliTests.run("train", "--arch", "lenet5", "--data-dir", missing.toString(), "--epochs", "1",
                "--out", dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("shrink4j train: ") && r.err().contains(missing.toString()), r.err());
    }

    @Test
    void evaluateWithMasksOfAnotherModelIsAUsageError() throws Exception {
        Path w = dir.resolve("w.safetensors");
        Path m = dir.resolve("m.safetensors");
        try (PointerScope s = new PointerScope(); dev.shrink4j.workbench.zoo.LeNet5 net = new dev.shrink4j.workbench.zoo.LeNet5(10)) {
            SafeTensors.save(net.stateDict(), w);
            SafeTensors.save(java.util.Map.of("conv9.weight_mask", org.bytedeco.pytorch.global.torch.ones(2)), m);
        }
        Path data = TinyIdx.write(dir.resolve("data"), 10, 10);
        CliTests.Result r = CliTests.run("evaluate", "--arch", "lenet5", "--weights", w.toString(), "--masks", m.toString(),
                "--data-dir", data.toString());
        assertEquals(2, r.code());
        assertEquals("shrink4j evaluate: " + m + " does not fit LeNet5: conv9.weight_mask: the model has no parameter \"conv9.weight\"\n",
                r.err());
    }
}
