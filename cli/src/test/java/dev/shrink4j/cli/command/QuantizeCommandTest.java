package dev.shrink4j.cli.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.cli.CliTests;
import dev.shrink4j.cli.TinyIdx;
import dev.shrink4j.cli.report.RunReport;
import dev.shrink4j.nn.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizeCommandTest {

    static final Path CONFIGS = Path.of("..", "configs").toAbsolutePath().normalize();
    static final List<String> LAYERS = List.of("conv1", "conv2", "fc1", "fc2", "fc3");

    /** The layers configs/dorefa.json quantizes. */
    static final List<String> DOREFA_LAYERS = List.of("conv2", "fc1", "fc2");

    @TempDir
    Path dir;

    private Path config(String name, String json) throws Exception {
        Path cfg = dir.resolve(name);
        Files.writeString(cfg, json);
        return cfg;
    }

    private static CliTests.Result quantize(Path weights, Path config, Path out, String... more) {
        return CliTests.compress("quantize", weights, config, out, more);
    }

    @Test
    void dorefaOnWeightsAloneWritesFullPrecisionFakeQuantAndCalibrationButNoInt8() throws Exception {
        Path w = CliTests.lenet5Weights(dir);
        Path out = dir.resolve("dorefa");
        CliTests.Result r = quantize(w, CONFIGS.resolve("dorefa.json"), out, "--calibration-batches", "0", "--epochs", "0");
        r.assertSucceeded();
        assertTrue(r.out().contains("\nint8 export skipped: DoReFaQuantizer cannot export integer weights for conv2: its levels "
                + "2·r/K − 1 are not float32 multiples of one scale"), r.out());
        assertFalse(Files.exists(out.resolve("model-int8.safetensors")));
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> original = SafeTensors.load(w);
            Map<String, Tensor> model = SafeTensors.load(out.resolve("model.safetensors"));
            Map<String, Tensor> fake = SafeTensors.load(out.resolve("model-fakequant.safetensors"));
            assertEquals(original.keySet(), model.keySet());
            // the example config keeps the first and last layers in full precision, as the DoReFa paper does
            for (String layer : List.of("conv1", "fc3")) {
                assertTrue(torch.equal(original.get(layer + ".weight"), fake.get(layer + ".weight")), layer + ": not quantized");
            }
            for (String layer : DOREFA_LAYERS) {
                assertTrue(torch.equal(original.get(layer + ".weight"), model.get(layer + ".weight")), layer + ": full precision");
                // 4-bit DoReFa levels 2·r/15 − 1, r = 0…15: 15·v is an odd integer in [−15, 15]
                float[] v = values(fake.get(layer + ".weight"));
                for (float x : v) {
                    long k = Math.round(15 * x);
                    assertTrue(Math.abs(15 * x - k) < 1e-4 && Math.abs(k) % 2 == 1 && Math.abs(k) <= 15, layer + " value " + x);
                }
                assertTrue(torch.equal(original.get(layer + ".bias"), fake.get(layer + ".bias")), layer + ": bias untouched");
            }
        }
        JsonObject calibration = JsonParser.parseString(Files.readString(out.resolve("calibration.json"))).getAsJsonObject();
        assertEquals(DOREFA_LAYERS, List.copyOf(calibration.keySet()));
        assertEquals(4, calibration.getAsJsonObject("conv2").get("weight_bits").getAsInt());
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        assertTrue(((String) report.settings().get("int8_export")).startsWith("skipped: DoReFaQuantizer cannot export"));
        assertEquals(0, report.results().size(), "no data: no accuracy");
    }

    @Test
    void qatOnWeightsAloneWritesInt8ThatDequantizesToTheFakeQuantWeights() throws Exception {
        Path cfg = config("qat-w.json", "{\"quantizer\": \"qat\", \"config_list\": [{\"quant_types\": [\"weight\"], "
                + "\"quant_bits\": {\"weight\": 8}, \"op_types\": [\"Conv2d\", \"Linear\"]}]}");
        Path out = dir.resolve("qat");
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), cfg, out, "--calibration-batches", "0");
        r.assertSucceeded();
        try (PointerScope s = new PointerScope()) {
            Map<String, Tensor> int8 = SafeTensors.load(out.resolve("model-int8.safetensors"));
            Map<String, Tensor> fake = SafeTensors.load(out.resolve("model-fakequant.safetensors"));
            for (String layer : LAYERS) {
                Tensor q = int8.get(layer + ".weight");
                assertEquals(torch.ScalarType.Byte, q.scalar_type().intern(), layer + ": uint8 (quant_dtype uint)");
                Tensor dequantized = q.to(torch.ScalarType.Float).sub(int8.get(layer + ".weight_zero_point"))
                        .mul(int8.get(layer + ".weight_scale"));
                assertTrue(torch.equal(dequantized, fake.get(layer + ".weight")), layer + ": scale·(q − zp) = fake-quant weight");
            }
        }
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        long fp32 = ((Number) report.settings().get("size_fp32_bytes")).longValue();
        long int8 = ((Number) report.settings().get("size_int8_bytes")).longValue();
        assertEquals(Files.size(out.resolve("model-int8.safetensors")), int8);
        assertTrue(fp32 > 3.5 * int8, "int8 " + int8 + " vs fp32 " + fp32);
        assertTrue(r.out().matches("(?s)size: fp32 .*, int8 .* smaller\\)\nwrote .*"), r.out());
    }

    @Test
    void observerCalibratesOnTwoBatchesAndEvaluateReproducesItsAccuracyFromTheCalibration() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path w = CliTests.lenet5Weights(dir);
        Path cfg = CONFIGS.resolve("observer.json");
        Path out = dir.resolve("observer");
        CliTests.Result r = quantize(w, cfg, out, "--calibration-batches", "2", "--data-dir", data.toString(), "--batch-size", "8");
        r.assertSucceeded();
        JsonObject conv1 = JsonParser.parseString(Files.readString(out.resolve("calibration.json"))).getAsJsonObject()
                .getAsJsonObject("conv1");
        assertEquals(List.of("weight_bits", "weight_scale", "weight_zero_point", "input_bits", "tracked_min_input",
                "tracked_max_input"), List.copyOf(conv1.keySet()));
        // conv1 sees the normalised images: the minimum is the normalised black pixel, the same in every batch
        assertTrue(conv1.get("tracked_min_input").getAsDouble() < 0, conv1.toString());
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        assertEquals(2, ((Number) report.settings().get("calibration_batches")).intValue());
        assertEquals(1, report.results().size());
        assertEquals("int8", report.results().get(0).artifact());
        String after = accuracyAfter(r.out());

        CliTests.Result e = CliTests.run("evaluate", "--arch", "lenet5", "--weights", out.resolve("model.safetensors").toString(),
                "--config", cfg.toString(), "--calibration", out.resolve("calibration.json").toString(), "--data-dir",
                data.toString(), "--batch-size", "8");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().startsWith("accuracy " + after + "%  loss "), e.out() + " vs " + r.out());
    }

    @Test
    void qatWithActivationsFineTunesAndEvaluateReproducesItsAccuracy() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 40, 20);
        Path cfg = CONFIGS.resolve("qat.json");
        Path out = dir.resolve("qat");
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), cfg, out, "--epochs", "1", "--data-dir", data.toString(), "--batch-size", "8");
        r.assertSucceeded();
        assertTrue(r.out().contains(", int8 "), r.out());
        RunReport report = RunReport.fromJson(Files.readString(out.resolve("report.json")));
        assertEquals(1, report.trainingCurves().size());
        CliTests.Result e = CliTests.run("evaluate", "--arch", "lenet5", "--weights", out.resolve("model.safetensors").toString(),
                "--config", cfg.toString(), "--calibration", out.resolve("calibration.json").toString(), "--data-dir",
                data.toString(), "--batch-size", "8");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().startsWith("accuracy " + accuracyAfter(r.out()) + "%  loss "), e.out() + " vs " + r.out());
    }

    @Test
    void activationsWithoutCalibrationOrEpochsAreAUsageError() throws Exception {
        Path cfg = CONFIGS.resolve("qat.json");
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), cfg, dir.resolve("o"), "--calibration-batches", "0", "--epochs", "0");
        r.assertUsageError("shrink4j quantize: config " + cfg + ": qat quantizes activations (conv1 input, conv1 output, conv2 input, …) "
                + "whose ranges come from data; give --calibration-batches K or --epochs N (with --data), or quantize weights "
                + "only\n");
    }

    @Test
    void observerWithActivationsAndNoCalibrationBatchesIsAUsageError() throws Exception {
        Path data = TinyIdx.write(dir.resolve("data"), 16, 8);
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), CONFIGS.resolve("observer.json"), dir.resolve("o"), "--calibration-batches", "0",
                "--epochs", "1", "--data-dir", data.toString(), "--batch-size", "8");
        r.assertUsageError("shrink4j quantize: --calibration-batches 0: observer needs calibration batches: conv1: no input was "
                + "observed; run calibration batches through the model before fix()\n");
    }

    @Test
    void prunerConfigIsAUsageError() throws Exception {
        Path cfg = config("p.json", "{\"pruner\": \"test-magnitude\", \"config_list\": [{\"sparsity\": 0.5, \"op_types\": [\"default\"]}]}");
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), cfg, dir.resolve("o"));
        r.assertUsageError("shrink4j quantize: config " + cfg + ": names a pruner, this command needs a quantizer\n");
    }

    @Test
    void calibrationWithoutConfigIsAUsageError() throws Exception {
        CliTests.Result r = CliTests.run("evaluate", "--arch", "lenet5", "--weights", CliTests.lenet5Weights(dir).toString(), "--calibration",
                dir.resolve("c.json").toString());
        r.assertUsageError("shrink4j evaluate: --calibration needs --config naming the quantizer it belongs to\n");
    }

    /** The after-accuracy of {@code test accuracy A% before, B% after}. */
    private static String accuracyAfter(String out) {
        Matcher m = Pattern.compile("test accuracy \\d+\\.\\d\\d% before, (\\d+\\.\\d\\d)% after").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    private static float[] values(Tensor t) {
        Tensor c = t.contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    @Test
    void anIntGridOfOneBitIsAConfigErrorBeforeAnyForward() throws Exception {
        // int with 1 bit is the grid [0, 0]: QParams would refuse it at the first forward (exit 1)
        Path cfg = config("int1.json", "{\"quantizer\": \"observer\", \"config_list\": [{\"quant_types\": [\"weight\"],"
                + " \"quant_bits\": {\"weight\": 1}, \"quant_dtype\": \"int\", \"op_names\": [\"fc3\"]}]}");
        Path out = dir.resolve("o");
        CliTests.Result r = quantize(CliTests.lenet5Weights(dir), cfg, out, "--calibration-batches", "0");
        r.assertUsageError("shrink4j quantize: config " + cfg + ": config_list[0].quant_bits: weight width 1 with quant_dtype int gives"
                + " the grid [0, 0], a single value; int needs at least 2 bits (uint has [0, 1] for 1 bit)\n");
        assertFalse(Files.exists(out));
    }
}
