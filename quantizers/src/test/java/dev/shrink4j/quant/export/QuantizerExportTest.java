package dev.shrink4j.quant.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.compress.ModuleWrapper;
import dev.shrink4j.compress.config.ConfigList;
import dev.shrink4j.nn.Module;
import dev.shrink4j.nn.io.SafeTensors;
import dev.shrink4j.nn.layers.Linear;
import dev.shrink4j.nn.optim.Sgd;
import dev.shrink4j.quant.Quantizer;
import dev.shrink4j.quant.algo.LsqQuantizer;
import dev.shrink4j.quant.config.QuantConfig;
import dev.shrink4j.quant.config.QuantType;
import dev.shrink4j.quant.core.CalibrationKeys;
import dev.shrink4j.quant.core.QParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizerExportTest {

    @TempDir
    Path dir;

    /** Two bias-free linear layers, fc1 → fc2. */
    static final class TwoLinear extends Module {
        final Linear fc1;
        final Linear fc2;

        TwoLinear(int width) {
            fc1 = registerModule("fc1", new Linear(width, width, false));
            fc2 = registerModule("fc2", new Linear(width, width, false));
        }

        @Override
        protected Tensor forward(Tensor x) {
            return fc2.call(fc1.call(x));
        }
    }

    /**
     * A quantizer with NNI's scale/zero-point state: weights fake-quantized on the {@link QParams} grid of
     * their initial range, outputs observed as running min/max.
     */
    static final class GridQuantizer extends Quantizer {
        GridQuantizer(Module model, ConfigList configList) {
            super(model, configList, null);
        }

        @Override
        protected void initialize(ModuleWrapper w) {
            if (QuantConfig.types(w.config()).contains(QuantType.WEIGHT)) {
                QParams p = QParams.fromTensor(w.weight(), QuantType.WEIGHT, QuantConfig.bits(w.config(), QuantType.WEIGHT),
                        QuantConfig.dtype(w.config()), QuantConfig.scheme(w.config()));
                w.registerBuffer(CalibrationKeys.WEIGHT_SCALE, p.scale().clone());
                w.registerBuffer(CalibrationKeys.WEIGHT_ZERO_POINT, p.zeroPoint().clone());
            }
            if (QuantConfig.types(w.config()).contains(QuantType.OUTPUT)) {
                w.registerBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT, torch.zeros());
                w.registerBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT, torch.zeros());
            }
        }

        @Override
        public Tensor quantizeWeight(Tensor weight, ModuleWrapper w) {
            return QParams.of(w.getBuffer(CalibrationKeys.WEIGHT_SCALE), w.getBuffer(CalibrationKeys.WEIGHT_ZERO_POINT),
                    QuantConfig.bits(w.config(), QuantType.WEIGHT), QuantConfig.dtype(w.config())).fakeQuantizeStraight(weight);
        }

        @Override
        public Tensor quantizeOutput(Tensor y, ModuleWrapper w) {
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor min = w.getBuffer(CalibrationKeys.TRACKED_MIN_OUTPUT);
                Tensor max = w.getBuffer(CalibrationKeys.TRACKED_MAX_OUTPUT);
                min.copy_(torch.minimum(min, y.min()));
                max.copy_(torch.maximum(max, y.max()));
            }
            return y;
        }
    }

    static ConfigList grid(String scheme, String dtype) {
        return ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"output\"], \"quant_bits\": 8, \"quant_scheme\": \""
                + scheme + "\", \"quant_dtype\": \"" + dtype + "\", \"op_types\": [\"Linear\"]}]");
    }

    static float[] floats(Tensor t) {
        Tensor c = t.detach().to(torch.ScalarType.Float).contiguous();
        float[] out = new float[(int) c.numel()];
        c.data_ptr_float().get(out);
        return out;
    }

    @Test
    void int8ExportDequantizesToTheFakeQuantWeightsBitExactlyAndIsFourTimesSmaller() throws IOException {
        torch.manual_seed(7);
        for (String[] c : List.of(new String[] {"per_tensor_affine", "int"}, new String[] {"per_channel_affine", "uint"},
                new String[] {"per_channel_symmetric", "int"})) {
            try (TwoLinear net = new TwoLinear(64); GridQuantizer q = new GridQuantizer(net, grid(c[0], c[1]));
                    PointerScope scope = new PointerScope()) {
                q.compress();
                Path fake = dir.resolve(c[0] + "-fake.safetensors");
                Path ints = dir.resolve(c[0] + "-int8.safetensors");
                q.exportFakeQuant(fake);
                q.exportInt8(ints);
                Map<String, Tensor> f = SafeTensors.load(fake);
                Map<String, Tensor> i = SafeTensors.load(ints);
                assertEquals(List.of("fc1.weight", "fc1.weight_scale", "fc1.weight_zero_point", "fc2.weight",
                        "fc2.weight_scale", "fc2.weight_zero_point"), List.copyOf(i.keySet()));
                torch.ScalarType storage = c[1].equals("int") ? torch.ScalarType.Char : torch.ScalarType.Byte;
                for (String layer : List.of("fc1", "fc2")) {
                    Tensor qw = i.get(layer + ".weight");
                    assertEquals(storage, qw.scalar_type().intern(), c[0] + " " + layer);
                    assertEquals(storage, i.get(layer + ".weight_zero_point").scalar_type().intern());
                    Tensor deq = i.get(layer + ".weight_scale").mul(qw.to(torch.ScalarType.Float)
                            .sub(i.get(layer + ".weight_zero_point").to(torch.ScalarType.Float)));
                    assertTrue(deq.equal(f.get(layer + ".weight")), c[0] + " " + layer + ": dequantized int8 == fake-quant");
                    assertArrayEquals(floats(net.getSubmodule(layer).parametrized("weight")), floats(f.get(layer + ".weight")),
                            "the fake-quant file holds the weights forward computes with");
                }
                if (c[0].equals("per_tensor_affine")) {
                    // tensor data: 2·4096 float32 weights vs 2·4096 int8 weights + two float32 scales and int8 zero points
                    assertEquals(2 * 4096 * 4, Files.size(fake) - 8 - headerLength(fake));
                    assertEquals(2 * 4096 + 2 * (4 + 1), Files.size(ints) - 8 - headerLength(ints));
                    // with the headers (tensor entries and metadata, a few hundred bytes each): measured 3.72
                    double ratio = (double) Files.size(fake) / Files.size(ints);
                    assertTrue(ratio > 3.6 && ratio < 4.0, "fp32/int8 file size ratio " + ratio);
                    assertEquals(4 * i.get("fc1.weight").nbytes(), f.get("fc1.weight").nbytes(), "weights alone: exactly 4x");
                }
            }
        }
    }

    /** The safetensors header length: the file's first 8 bytes, little-endian. */
    private static long headerLength(Path file) throws IOException {
        byte[] first = java.util.Arrays.copyOf(Files.readAllBytes(file), 8);
        return java.nio.ByteBuffer.wrap(first).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void int8ExportOfWiderGridsIsRefused() {
        try (TwoLinear net = new TwoLinear(4); GridQuantizer q = new GridQuantizer(net, ConfigList.fromJson(
                "[{\"quant_types\": [\"weight\"], \"quant_bits\": 9, \"op_names\": [\"fc1\"]}]"))) {
            q.compress();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.exportInt8(dir.resolve("x")));
            assertEquals("fc1: its weight grid [0, 511] does not fit int8 or uint8; exportInt8 needs quant_bits <= 8",
                    e.getMessage());
            assertEquals(0, dir.toFile().list().length);
        }
    }

    @Test
    void lsqExportModelAndCalibrationRestoreIntoAFreshModelGiveIdenticalOutputs() throws IOException {
        torch.manual_seed(3);
        ConfigList config = ConfigList.fromJson("[{\"quant_types\": [\"weight\", \"input\", \"output\"],"
                + " \"quant_bits\": {\"weight\": 4, \"input\": 8, \"output\": 8}, \"op_names\": [\"fc1\"]},"
                + " {\"quant_types\": [\"weight\"], \"quant_bits\": 4, \"op_names\": [\"fc2\"]}]");
        Tensor x = torch.randn(5, 8);
        Path model = dir.resolve("model.safetensors");
        Path calibration = dir.resolve("calibration.json");
        float[] expected;
        double sWeight;
        double sInput;
        try (TwoLinear net = new TwoLinear(8); Sgd sgd = Sgd.builder().setLearningRate(0.01).build(net.parameters());
                LsqQuantizer q = new LsqQuantizer(net, config, sgd)) {
            q.compress();
            net.call(x).square().sum().backward();
            sgd.step(); // moves weights and step sizes away from their initial values
            expected = floats(net.call(x));
            sWeight = q.getWrapper("fc1").getBuffer(CalibrationKeys.WEIGHT_SCALE).item_double();
            sInput = q.getWrapper("fc1").getBuffer(LsqQuantizer.INPUT_SCALE).item_double();
            q.exportModel(model, calibration);
            assertEquals(List.of("fc1.weight", "fc2.weight"), List.copyOf(SafeTensors.load(model).keySet()));
            assertArrayEquals(floats(net.fc1.weight()), floats(SafeTensors.load(model).get("fc1.weight")),
                    "full precision, not fake-quantized");
        }
        JsonObject json = JsonParser.parseString(Files.readString(calibration)).getAsJsonObject();
        JsonObject fc1 = json.getAsJsonObject("fc1");
        assertEquals(List.of("weight_bits", "weight_scale", "weight_zero_point", "input_bits", "tracked_min_input",
                "tracked_max_input", "output_bits", "tracked_min_output", "tracked_max_output"), List.copyOf(fc1.keySet()));
        assertEquals(4, fc1.get("weight_bits").getAsInt());
        assertEquals(sWeight, fc1.get("weight_scale").getAsDouble());
        assertEquals(0.0, fc1.get("weight_zero_point").getAsDouble());
        assertEquals(8, fc1.get("input_bits").getAsInt());
        assertEquals(sInput * 127, fc1.get("tracked_max_input").getAsDouble());
        assertEquals(-sInput * 127, fc1.get("tracked_min_input").getAsDouble());
        assertEquals(List.of("weight_bits", "weight_scale", "weight_zero_point"),
                List.copyOf(json.getAsJsonObject("fc2").keySet()));

        torch.manual_seed(99);
        try (TwoLinear fresh = new TwoLinear(8); Sgd sgd = Sgd.builder().setLearningRate(0.01).build(fresh.parameters());
                LsqQuantizer q = new LsqQuantizer(fresh, config, sgd)) {
            fresh.loadStateDict(SafeTensors.load(model), true);
            q.compress();
            q.loadCalibrationConfig(calibration);
            assertEquals(sWeight, q.getWrapper("fc1").getBuffer(CalibrationKeys.WEIGHT_SCALE).item_double());
            assertEquals(sInput, q.getWrapper("fc1").getBuffer(LsqQuantizer.INPUT_SCALE).item_double());
            assertArrayEquals(expected, floats(fresh.call(x)), "bit-identical outputs");
            // and the LSQ integer export reproduces its fake-quantized weights
            Map<String, Tensor> ints = q.integerStateDict();
            assertEquals(torch.ScalarType.Char, ints.get("fc1.weight").scalar_type().intern());
            assertTrue(ints.get("fc1.weight_scale").mul(ints.get("fc1.weight").to(torch.ScalarType.Float))
                    .equal(q.fakeQuantStateDict().get("fc1.weight")));
        }
    }

    @Test
    void defaultCalibrationRoundTripsScalesZeroPointsAndTrackedRanges() throws IOException {
        torch.manual_seed(5);
        try (TwoLinear net = new TwoLinear(3); GridQuantizer q = new GridQuantizer(net, grid("per_channel_affine", "uint"))) {
            q.compress();
            net.call(torch.randn(4, 3));
            JsonObject before = q.calibrationConfig();
            JsonObject fc1 = before.getAsJsonObject("fc1");
            assertEquals(List.of("weight_bits", "weight_scale", "weight_zero_point", "output_bits", "tracked_min_output",
                    "tracked_max_output"), List.copyOf(fc1.keySet()));
            assertEquals(3, fc1.getAsJsonArray("weight_scale").size(), "one scale per output channel");
            assertArrayEquals(floats(q.getWrapper("fc1").getBuffer("weight_scale")),
                    new float[] {fc1.getAsJsonArray("weight_scale").get(0).getAsFloat(),
                        fc1.getAsJsonArray("weight_scale").get(1).getAsFloat(),
                        fc1.getAsJsonArray("weight_scale").get(2).getAsFloat()});
            Path file = dir.resolve("calibration.json");
            q.exportModel(dir.resolve("model.safetensors"), file);
            try (NoGradGuard g = new NoGradGuard()) {
                q.getModulesWrapper().forEach(w -> w.buffers().values().forEach(t -> t.fill_(new org.bytedeco.pytorch.Scalar(1.0))));
            }
            q.loadCalibrationConfig(file);
            assertEquals(before, q.calibrationConfig());
        }
    }

    @Test
    void aCalibrationThatDoesNotFitReportsEveryProblemAndChangesNothing() {
        try (TwoLinear net = new TwoLinear(2); GridQuantizer q = new GridQuantizer(net, grid("per_tensor_affine", "uint"))) {
            q.compress();
            JsonObject before = q.calibrationConfig();
            JsonObject bad = JsonParser.parseString("{\"fc1\": {\"weight_bits\": 4, \"weight_scale\": 0.5,"
                    + " \"input_bits\": 8, \"bogus\": 1}, \"fc2\": {\"weight_zero_point\": [1, 2]}, \"fc3\": {}}").getAsJsonObject();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.loadCalibrationConfig(bad));
            assertEquals("calibration config does not fit GridQuantizer:\n"
                    + "  fc1.weight_bits: the file says 4, the layer quantizes with 8 bits\n"
                    + "  fc1.input_bits: fc1 does not quantize its input (quant_types: [weight, output])\n"
                    + "  fc1.bogus: unknown calibration key; known keys: [weight_bits, weight_scale, weight_zero_point,"
                    + " input_bits, tracked_min_input, tracked_max_input, output_bits, tracked_min_output, tracked_max_output]\n"
                    + "  fc2.weight_zero_point: 2 value(s) for a tensor of 1\n"
                    + "  fc3: no quantized layer of that name; quantized layers: [fc1, fc2]", e.getMessage());
            assertEquals(before, q.calibrationConfig(), "fc1.weight_scale was valid but is not applied");
        }
    }

    @Test
    void aFailedExportLeavesNoModelNoCalibrationAndNoTemporaryFile() throws IOException {
        try (TwoLinear net = new TwoLinear(2); GridQuantizer q = new GridQuantizer(net, grid("per_tensor_affine", "uint"))) {
            q.compress();
            Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a directory");
            Path model = dir.resolve("model.safetensors");
            assertThrows(IOException.class, () -> q.exportModel(model, blocker.resolve("calibration.json")));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(blocker), files.toList(), "the model's temporary file was removed");
            }
        }
    }
}
