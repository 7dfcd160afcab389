package dev.shrink4j.quant.export;

import static dev.shrink4j.quant.export.QuantizerExportTest.grid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.shrink4j.quant.export.QuantizerExportTest.GridQuantizer;
import dev.shrink4j.quant.export.QuantizerExportTest.TwoLinear;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A calibration file that is corrupt, not strict JSON, names a layer or key twice, or holds values its
 * buffers cannot take is an error naming the file (and the layer and key), and nothing is restored.
 */
class CalibrationErrorsTest {

    @TempDir
    Path dir;

    /** The message of loading {@code text} as calibration.json into a fresh GridQuantizer; checks nothing changed. */
    private String loadError(byte[] bytes) throws IOException {
        Path file = dir.resolve("calibration.json");
        Files.write(file, bytes);
        try (TwoLinear net = new TwoLinear(2); GridQuantizer q = new GridQuantizer(net, grid("per_tensor_affine", "uint"))) {
            q.compress();
            JsonObject before = q.calibrationConfig();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.loadCalibrationConfig(file));
            assertEquals(before, q.calibrationConfig(), "nothing restored");
            return e.getMessage().replace(file.toString(), "FILE");
        }
    }

    private String loadError(String text) throws IOException {
        return loadError(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void binaryGarbageNamesTheFile() throws IOException {
        byte[] garbage = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, (byte) 0xfe};
        assertEquals("FILE: not a calibration config (not UTF-8 text; expected JSON)", loadError(garbage));
    }

    @Test
    void truncatedJsonNamesTheFile() throws IOException {
        assertEquals("FILE: not valid JSON: End of input at line 1 column 31 path $.fc1.weight_scale",
                loadError("{\"fc1\": {\"weight_scale\": 0.25,"));
    }

    @Test
    void lenientJsonIsRefused() throws IOException {
        String message = loadError("{fc1: {\"weight_scale\": 0.25}}");
        assertEquals("FILE: not valid JSON: malformed JSON at line 1 column 3 path $. (strict JSON: no comments, single"
                + " quotes, unquoted names or values such as NaN or Infinity, trailing commas or leading zeros)", message);
        assertTrue(loadError("{\"fc1\": {\"tracked_min_output\": NaN}}").startsWith("FILE: not valid JSON: "));
        assertTrue(loadError("// comment\n{}").startsWith("FILE: not valid JSON: "));
    }

    @Test
    void aLayerOrKeyNamedTwiceIsRefusedRatherThanTheFirstDropped() throws IOException {
        assertEquals("FILE: duplicate key \"fc1\" at line 1 column 34 path $.fc1",
                loadError("{\"fc1\": {\"weight_scale\": 0.25}, \"fc1\": {\"weight_scale\": 0.5}}"));
        assertEquals("FILE: duplicate key \"weight_scale\" at line 1 column 33 path $.fc1.weight_scale",
                loadError("{\"fc1\": {\"weight_scale\": 0.25, \"weight_scale\": 0.5}}"));
    }

    @Test
    void notAnObject() throws IOException {
        assertEquals("FILE: expected a JSON object mapping layer names to calibration values, got [1,2,3]",
                loadError("[1,2,3]"));
    }

    @Test
    void valuesTheFloat32BuffersCannotHoldAreRefusedNotCastToInfinity() throws IOException {
        assertEquals("FILE does not fit GridQuantizer:\n"
                + "  fc1.weight_scale: value 1.0E39 is beyond the range of float32 (±3.4028234663852886E38)\n"
                + "  fc1.tracked_max_output: value Infinity is not finite\n"
                + "  fc2.weight_zero_point: value -1.0E300 is beyond the range of float32 (±3.4028234663852886E38)",
                loadError("{\"fc1\": {\"weight_scale\": 1e39, \"tracked_max_output\": 1e999},"
                        + " \"fc2\": {\"weight_zero_point\": -1e300, \"tracked_min_output\": -3.4e38}}"));
    }
}
