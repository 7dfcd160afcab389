package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.DeployedModel;
import dev.shrink4j.cli.report.HeadlessChromium;
import dev.shrink4j.cli.report.HtmlReport;
import dev.shrink4j.cli.report.RunReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void demoTrainsBaselineComparesMethodsAndReusesTheBaseline() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path configs = Path.of("..", "configs").toAbsolutePath().normalize();
        // no --batch-size: the baseline trains in batches of 64, each fine-tune in its config's recommended size
        String[] args = {"demo", "--data-dir", data.toString(), "--epochs", "1", "--finetune-epochs", "1", "--methods",
                "taylor-fo,agp,lottery-ticket", "--configs-dir", configs.toString(), "--runs-dir", dir.resolve("runs").toString(),
                "--out", dir.resolve("demo").toString(), "--threads", "1", "--no-screenshot"};
        CliTests.Result r = CliTests.run(args);
        r.assertSucceeded();
        assertTrue(r.out().contains("training baseline lenet5 for 1 epoch(s)"), r.out());
        assertTrue(r.out().contains("| method "), r.out());
        assertTrue(r.out().contains(DemoCommand.FOOTER), r.out());
        RunReport report = RunReport.fromJson(Files.readString(dir.resolve("demo/report.json")));
        assertEquals(java.util.List.of("baseline (fp32)", "taylor-fo", "agp", "lottery-ticket"),
                report.results().stream().map(x -> x.method()).toList());
        assertTrue(Files.readString(dir.resolve("demo/results.md")).startsWith("| method "));
        assertTrue(Files.isRegularFile(dir.resolve("demo/agp/masks.safetensors")));
        // lottery ticket: prune_iterations 3 → rounds 0..3 at sparsity 0.8 in the end
        double kept = report.results().get(3).nonzeroParams() / (double) report.results().get(3).totalParams();
        assertTrue(kept > 0.19 && kept < 0.21, "lottery ticket keeps 20% of the weights (plus biases), kept " + kept);
        assertEquals("1 epoch(s), Adam lr 0.002, batch size 32", report.settings().get("finetune agp"));
        assertEquals(64, ((Number) report.settings().get("batch_size")).intValue());

        assertFalse(Files.exists(dir.resolve("demo").resolve(DemoCommand.SCREENSHOT)), "--no-screenshot");
        assertFalse(r.out().contains("screenshot"), r.out());
        assertTrue(String.valueOf(report.settings().get("baseline_weights")).endsWith(" (trained by this run)"));

        CliTests.Result again = CliTests.run(args);
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("reusing baseline "), again.out());
        RunReport reused = RunReport.fromJson(Files.readString(dir.resolve("demo/report.json")));
        assertTrue(String.valueOf(reused.settings().get("baseline_weights")).endsWith(" (trained by an earlier run)"));
    }

    @Test
    void demoComparesPrunersAndQuantizersWithTheirArtifacts() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path configs = Path.of("..", "configs").toAbsolutePath().normalize();
        CliTests.Result r = CliTests.run("demo", "--data-dir", data.toString(), "--epochs", "1", "--batch-size", "8",
                "--methods", "level,qat,dorefa,observer", "--calibration-batches", "2", "--configs-dir", configs.toString(),
                "--runs-dir", dir.resolve("runs").toString(), "--out", dir.resolve("demo").toString(), "--threads", "1");
        r.assertSucceeded();
        String json = Files.readString(dir.resolve("demo/report.json"));
        RunReport report = RunReport.fromJson(json);
        // numbers as measured, without float noise such as -0.27000000000000357
        assertFalse(Pattern.compile("\\d\\.\\d{7,}").matcher(json).find(), json);
        assertTrue(report.command().startsWith("shrink4j demo --data-dir "), report.command());
        assertEquals(java.util.List.of("baseline (fp32)", "level", "qat", "dorefa", "observer"),
                report.results().stream().map(x -> x.method()).toList());
        assertEquals(java.util.List.of("fp32", "masked fp32", "int8", "fake-quant fp32", "int8"),
                report.results().stream().map(x -> x.artifact()).toList());
        assertTrue(r.out().contains("dorefa: no int8 export (DoReFaQuantizer cannot export integer weights for conv2"), r.out());
        assertTrue(r.out().contains(" (fake-quant fp32) |"), r.out());
        // every pruner is shrunk after its fine-tune; level's masks remove no whole filter: its model stays masked
        assertEquals(0, report.results().get(1).shrunk().resizedLayers());
        assertEquals(61_706, report.results().get(1).shrunk().params());
        assertEquals(null, report.results().get(2).shrunk(), "quantizers are not shrunk");
        assertTrue(r.out().contains(" |        masked |      masked |         masked |\n"), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("demo/level/model-shrunk.safetensors")));
        for (String f : new String[] {"qat/model-int8.safetensors", "qat/calibration.json", "dorefa/model-fakequant.safetensors",
                "observer/model-int8.safetensors", "level/masks.safetensors"}) {
            assertTrue(Files.isRegularFile(dir.resolve("demo").resolve(f)), f);
        }
        // level prunes 90% of conv2/fc1/fc2 weights: kept 1080 + 2880 + 2016 of them, plus conv1 (156) and fc3 (850)
        // whole and the 220 biases of conv2/fc1/fc2
        assertEquals(1080 + 2880 + 2016 + 156 + 850 + 220, report.results().get(1).nonzeroParams());
        // level's config recommends Adam 0.002 in batches of 32; the explicit --batch-size 8 wins over the latter;
        // qat's config recommends nothing: the defaults (no --finetune-epochs: 2)
        assertEquals("2 epoch(s), Adam lr 0.002, batch size 8", report.settings().get("finetune level"));
        assertEquals("2 epoch(s), Adam lr 0.001, batch size 8", report.settings().get("finetune qat"));
        // the observer's config recommends no fine-tune (post-training quantization)
        assertEquals("0 epoch(s), Adam lr 0.001, batch size 8", report.settings().get("finetune observer"));
        assertEquals("2 batch(es) of 8", report.settings().get("calibration observer"));
        // the footer explains the table, under it; it is no setting
        assertEquals(DemoCommand.FOOTER, report.resultsFooter());
        assertFalse(report.settings().containsKey("footer"), report.settings().toString());
        // per-layer sparsity of every method, as each compressed model computes: level's config prunes
        // 55% of conv2, 94% of fc1, 80% of fc2 (floor(n·s) of n weights: 1320/2400, 45120/48000, 8064/10080)
        assertEquals(List.of("level", "qat", "dorefa", "observer"), List.copyOf(report.layerSparsity().keySet()));
        assertEquals(Map.of("conv1", 0.0, "conv2", 0.55, "fc1", 0.94, "fc2", 0.8, "fc3", 0.0),
                report.layerSparsity().get("level"));
        for (String quantizer : List.of("qat", "dorefa", "observer")) {
            assertEquals(List.of("conv1", "conv2", "fc1", "fc2", "fc3"),
                    List.copyOf(report.layerSparsity().get(quantizer).keySet()), quantizer);
        }
        // DoReFa's 4-bit weights are odd multiples of 1/15: none is zero
        assertEquals(0.0, report.layerSparsity().get("dorefa").get("conv2"));
        // one Pareto point per row of the table, the baseline marked
        assertEquals(report.results().stream().map(x -> x.method()).toList(),
                report.deployed().stream().map(DeployedModel::method).toList());
        assertEquals(List.of(true, false, false, false, false), report.deployed().stream().map(DeployedModel::baseline).toList());
        assertEquals(report.results().get(2).sizeBytes(), report.deployed().get(2).sizeBytes());
        assertEquals("gzip of the int8 safetensors", report.deployed().get(2).sizeOf());
        assertEquals("libtorch forward of a test batch of 8", report.deployed().get(2).latencyOf());
        // the screenshot, when Chromium is installed (CI installs it)
        Path png = dir.resolve("demo").resolve(DemoCommand.SCREENSHOT);
        if (HeadlessChromium.find().isPresent()) {
            BufferedImage shot = ImageIO.read(png.toFile());
            assertEquals(HtmlReport.SCREENSHOT_WIDTH, shot.getWidth());
            assertTrue(r.out().contains("wrote " + png + " (" + HtmlReport.SCREENSHOT_WIDTH + " x " + shot.getHeight() + ", "),
                    r.out());
        } else {
            assertFalse("true".equalsIgnoreCase(System.getenv("CI")), "CI=true: Chromium must be installed (.ci/run)");
            assertFalse(Files.exists(png));
            assertTrue(r.out().contains("no screenshot of the report: Chromium is not installed (apt-get install -y chromium)\n"),
                    r.out());
        }
        // every method's model.onnx (the baseline's in baseline/) ran in ONNX Runtime: its latency beside libtorch's,
        // in the table, the JSON and the HTML, and with each Pareto point
        for (String f : new String[] {"baseline", "level", "qat", "dorefa", "observer"}) {
            assertTrue(Files.isRegularFile(dir.resolve("demo").resolve(f).resolve("model.onnx")), f);
        }
        for (int i = 0; i < report.results().size(); i++) {
            Double ort = report.results().get(i).ortLatencyMs();
            assertTrue(ort != null && ort > 0 && Double.isFinite(ort), report.results().get(i).method() + ": ORT " + ort);
            assertEquals(ort, report.deployed().get(i).ortLatencyMs());
        }
        assertTrue(r.out().contains("| latency / batch | ORT ms |"), r.out());
        assertTrue(Files.readString(dir.resolve("demo/report.html")).contains("<th>ORT ms</th>"));
        assertTrue(r.out().contains("ONNX Runtime (" + dir.resolve("demo/qat/model.onnx") + ", 1 thread): test accuracy "),
                r.out());
        // quantized layers count as dense: the baseline's FLOPs; int8 weights gzip to far less than the fp32 baseline
        assertEquals(report.results().get(0).flops(), report.results().get(2).flops());
        assertTrue(report.results().get(2).sizeBytes() * 3 < report.results().get(0).sizeBytes());
    }
}
