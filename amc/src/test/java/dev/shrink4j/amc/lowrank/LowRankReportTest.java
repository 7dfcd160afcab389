package dev.shrink4j.amc.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Totals, JSON and table of the per-layer report. */
class LowRankReportTest {

    static final LowRankReport REPORT = new LowRankReport(List.of(
            new LayerReport("conv2", "svd", 7, 16, 241_600, 117_800, 1.5, 0.25, Double.NaN, Double.NaN, ""),
            new LayerReport("fc1", "pca", 0, 120, 48_120, 48_120, 0, 0, Double.NaN, 0.8, "kept: accuracy below 0.9")));

    @Test
    void totalsAndRatios() {
        assertEquals(289_720, REPORT.flopsBefore());
        assertEquals(165_920, REPORT.flopsAfter());
        assertEquals(117_800 / 241_600.0, REPORT.layer("conv2").flopsRatio());
        assertEquals(1.0, REPORT.layer("fc1").flopsRatio());
        assertEquals(false, REPORT.layer("fc1").decomposed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> REPORT.layer("fc9"));
        assertEquals("no layer \"fc9\" in the report; it has [conv2, fc1]", e.getMessage());
    }

    @Test
    void jsonWritesNaNAsNull() {
        JsonObject root = JsonParser.parseString(REPORT.toJson()).getAsJsonObject();
        assertEquals(289_720, root.get("flops_before").getAsLong());
        assertEquals(165_920, root.get("flops_after").getAsLong());
        JsonObject conv2 = root.getAsJsonArray("layers").get(0).getAsJsonObject();
        assertEquals(7, conv2.get("rank").getAsLong());
        assertEquals(1.5, conv2.get("weight_error").getAsDouble());
        assertTrue(conv2.get("response_error").isJsonNull());
        assertTrue(conv2.get("accuracy").isJsonNull());
        assertEquals(0.8, root.getAsJsonArray("layers").get(1).getAsJsonObject().get("accuracy").getAsDouble());
    }

    @Test
    void tableHasOneRowPerLayerAndATotal() {
        List<String> lines = REPORT.toTable().lines().toList();
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith("conv2        svd        7       241600       117800   0.488"), lines.get(1));
        assertTrue(lines.get(2).contains("kept") && lines.get(2).endsWith("kept: accuracy below 0.9"), lines.get(2));
        assertTrue(lines.get(3).startsWith("total"), lines.get(3));
    }

    @Test
    void progressBar() {
        assertEquals("[##########----------]", LowRankCompressor.bar(1, 2));
        assertEquals("[####################]", LowRankCompressor.bar(3, 3));
    }
}
