package dev.shrink4j.samples;

import static dev.shrink4j.samples.SampleTesting.LAYERS;
import static dev.shrink4j.samples.SampleTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.shrink4j.nn.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class QuickStartQuantizeTest {

    @Test
    void exportsCalibrationAndUint8WeightsOnTheCalibratedGrid(@TempDir Path out) throws Exception {
        QuickStartQuantize.Result r = QuickStartQuantize.run(SampleTesting.tiny(out));
        JsonObject calibration = JsonParser.parseString(Files.readString(r.calibrationFile())).getAsJsonObject();
        assertEquals(java.util.Set.of(LAYERS), calibration.keySet());
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> model = SafeTensors.load(r.modelFile());
            Map<String, Tensor> int8 = SafeTensors.load(r.int8File());
            for (String layer : LAYERS) {
                JsonObject c = calibration.getAsJsonObject(layer);
                assertEquals(8, c.get("weight_bits").getAsInt(), layer);
                assertEquals(8, c.get("input_bits").getAsInt(), layer);
                assertTrue(c.get("tracked_min_input").getAsDouble() <= 0
                        && c.get("tracked_max_input").getAsDouble() > 0, layer + " input range " + c);

                Tensor q = int8.get(layer + ".weight");
                assertTrue(q.scalar_type().intern() == torch.ScalarType.Byte, layer + ": uint8 (quant_dtype uint)");
                assertArrayEquals(model.get(layer + ".weight").shape(), q.shape(), layer);
                double scale = int8.get(layer + ".weight_scale").item_double();
                double zeroPoint = int8.get(layer + ".weight_zero_point").item_double();
                assertEquals(c.get("weight_scale").getAsDouble(), scale, 1e-6 * scale, layer + ": the calibrated scale");
                assertEquals(c.get("weight_zero_point").getAsDouble(), zeroPoint, layer + ": the calibrated zero point");
                // affine uint8 over the weight's range: every weight within half a step of scale·(q − zp)
                float[] ints = values(q);
                float[] w = values(model.get(layer + ".weight"));
                for (int k = 0; k < w.length; k++) {
                    assertTrue(ints[k] >= 0 && ints[k] <= 255, layer);
                    assertEquals(w[k], scale * (ints[k] - zeroPoint), scale / 2 + 1e-7, layer + ".weight[" + k + "]");
                }
                assertTrue(int8.get(layer + ".bias").scalar_type().intern() == torch.ScalarType.Float, layer + ".bias stays float");
            }
        }
    }
}
