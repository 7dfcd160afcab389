package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

    /**
     * A demo-like report: a baseline and two methods, each with its per-layer sparsity and its point on
     * the Pareto charts, training curves and a sweep.
     */
    static RunReport sample() {
        RunReport r = new RunReport("demo", "shrink4j demo").setModel("lenet5", "fashion-mnist");
        r.setting("seed", 42);
        ResultRow base = new ResultRow("baseline", 0.9012, 0.0, 61706, 61706, 416520, 248_000, "fp32", 1.25);
        ResultRow level = new ResultRow("level 90%", 0.8981, -0.31, 6171, 61706, 41652, 60_000, "masked fp32", 1.31);
        ResultRow qat = new ResultRow("qat", 0.9020, 0.08, 60234, 61706, 416520, 52_000, "int8", 6.2);
        r.addResult(base).addResult(level).addResult(qat);
        r.addDeployed(DeployedModel.measured(base, true, 64)).addDeployed(DeployedModel.measured(level, false, 64))
                .addDeployed(DeployedModel.measured(qat, false, 64));
        r.setResultsFooter("FLOPs: multiply-accumulates of one forward pass.");
        Map<String, Double> levelSparsity = new LinkedHashMap<>();
        levelSparsity.put("conv1", 0.0);
        levelSparsity.put("conv2", 0.55);
        levelSparsity.put("fc1", 0.94);
        r.setLayerSparsity("level 90%", levelSparsity);
        r.setLayerSparsity("qat", Map.of("conv1", 0.02));
        r.addEpoch(new EpochPoint("baseline", 1, 0.6, 0.78, 0.85));
        r.addEpoch(new EpochPoint("baseline", 2, 0.4, 0.86, 0.88));
        r.addSweepPoint(new SweepPoint(0.5, 0.90, 0.5));
        r.addSweepPoint(new SweepPoint(0.9, 0.89, 0.1));
        return r;
    }

    /** The PNGs embedded in a page, decoded from base64. */
    static List<byte[]> embeddedPngs(String html) {
        Matcher m = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
        List<byte[]> pngs = new ArrayList<>();
        while (m.find()) {
            pngs.add(Base64.getDecoder().decode(m.group(1)));
        }
        return pngs;
    }

    @Test
    void markdownTableHasOneAlignedRowPerResult() {
        assertEquals(""
                + "| method    | accuracy | Δ accuracy | nonzero params  | FLOPs (MACs) | size on disk           | latency / batch |\n"
                + "|-----------|---------:|-----------:|----------------:|-------------:|-----------------------:|----------------:|\n"
                + "| baseline  |   90.12% |   +0.00 pt | 61,706 (100.0%) |      416,520 |       242.2 KiB (fp32) |         1.25 ms |\n"
                + "| level 90% |   89.81% |   -0.31 pt |   6,171 (10.0%) |       41,652 | 58.6 KiB (masked fp32) |         1.31 ms |\n"
                + "| qat       |   90.20% |   +0.08 pt |  60,234 (97.6%) |      416,520 |        50.8 KiB (int8) |         6.20 ms |\n",
                ResultsTable.markdown(sample().results()));
    }

    @Test
    void theOrtColumnStandsBesideTheLibtorchLatencyWithADashWhereNoneWasMeasured(@TempDir Path dir) throws IOException {
        RunReport r = new RunReport("demo", "shrink4j demo");
        List<ResultRow> rows = sample().results();
        r.addResult(rows.get(0).withOrtLatency(0.7131)).addResult(rows.get(1)).addResult(rows.get(2).withOrtLatency(0.52));
        assertEquals(""
                + "| method    | accuracy | Δ accuracy | nonzero params  | FLOPs (MACs) | size on disk           | latency / batch | ORT ms |\n"
                + "|-----------|---------:|-----------:|----------------:|-------------:|-----------------------:|----------------:|-------:|\n"
                + "| baseline  |   90.12% |   +0.00 pt | 61,706 (100.0%) |      416,520 |       242.2 KiB (fp32) |         1.25 ms |   0.71 |\n"
                + "| level 90% |   89.81% |   -0.31 pt |   6,171 (10.0%) |       41,652 | 58.6 KiB (masked fp32) |         1.31 ms |      — |\n"
                + "| qat       |   90.20% |   +0.08 pt |  60,234 (97.6%) |      416,520 |        50.8 KiB (int8) |         6.20 ms |   0.52 |\n",
                ResultsTable.markdown(r.results()));
        // kept to a microsecond, as the libtorch latency is; null (no JSON entry) where not measured
        assertEquals(0.713, r.results().get(0).ortLatencyMs());
        r.addDeployed(DeployedModel.measured(r.results().get(0), true, 64)).addDeployed(DeployedModel.measured(rows.get(1), false, 64));
        r.write(dir);
        String json = Files.readString(dir.resolve("report.json"));
        assertTrue(json.contains("\"latencyMs\": 1.25,\n      \"ortLatencyMs\": 0.713\n"), json);
        assertFalse(json.contains("NaN"), json);
        RunReport back = RunReport.fromJson(json);
        assertEquals(r.results(), back.results());
        assertEquals(Arrays.asList(0.713, null), back.deployed().stream().map(DeployedModel::ortLatencyMs).toList());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<th>latency / batch</th><th>ORT ms</th>"), html);
        assertTrue(html.contains("<td class=\"n\">1.25 ms</td><td class=\"n\">0.71</td>"), html);
    }

    @Test
    void jsonRoundTripsAndHtmlEmbedsEveryChartAsPng(@TempDir Path dir) throws IOException {
        RunReport r = sample();
        r.write(dir);
        RunReport back = RunReport.fromJson(Files.readString(dir.resolve("report.json")));
        assertEquals(r.results(), back.results());
        assertEquals(r.layerSparsity(), back.layerSparsity());
        assertEquals(r.deployed(), back.deployed());
        assertEquals(r.resultsFooter(), back.resultsFooter());
        assertEquals(r.trainingCurves(), back.trainingCurves());
        assertEquals(r.sweep(), back.sweep());
        // settings read back as written: an integer stays one
        assertEquals(42L, back.settings().get("seed"));
        String html = Files.readString(dir.resolve("report.html"));
        List<byte[]> pngs = embeddedPngs(html);
        assertEquals(6, pngs.size(), "Pareto size and latency, sparsity bars, sweep, loss curve, accuracy curve");
        for (byte[] png : pngs) {
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        }
        assertTrue(html.contains("<td>level 90%</td><td class=\"n\">89.81%</td><td class=\"n\">-0.31 pt</td>"), html);
    }

    @Test
    void jsonHoldsNumbersAsMeasuredWithoutArithmeticNoise() {
        // what PruningRun computes: 100 · (8970/10000 − 8997/10000) = -0.27000000000000357 in doubles
        double delta = 100 * (8970 / 10000.0 - 8997 / 10000.0);
        assertEquals("-0.27000000000000357", Double.toString(delta));
        RunReport r = new RunReport("t", "shrink4j t");
        r.addResult(new ResultRow("level", 8970 / 10000.0, delta, 1, 2, 3, 4, "fp32", 1.7812345678));
        r.addEpoch(new EpochPoint("level", 1, 0.41234567891, 56789 / 60000.0, 2 / 3.0));
        r.setLayerSparsity("level", Map.of("conv2", 1 - 1080 / 2400.0));
        r.addSweepPoint(new SweepPoint(0.7, 0.1 + 0.2, 7202 / 61706.0));
        String json = r.toJson();
        assertTrue(json.contains("\"deltaAccuracy\": -0.27,"), json);
        assertTrue(json.contains("\"accuracy\": 0.897,"), json);
        assertTrue(json.contains("\"latencyMs\": 1.781\n"), json);
        assertTrue(json.contains("\"trainLoss\": 0.41235,"), json);
        assertTrue(json.contains("\"trainAccuracy\": 0.9465,"), json);
        assertTrue(json.contains("\"testAccuracy\": 0.6667\n"), json);
        // 1 − 1080/2400 = 0.55 exactly, 0.5499999999999999 in doubles
        assertTrue(json.contains("\"conv2\": 0.55\n"), json);
        assertTrue(json.contains("\"accuracy\": 0.3,"), json);
        assertTrue(json.contains("\"nonzeroShare\": 0.116715\n"), json);
        assertFalse(Pattern.compile("\\d\\.\\d{7,}").matcher(json).find(), json);
    }

    @Test
    void roundingKeepsNotMeasuredAndDropsTheSignOfZero() {
        assertTrue(Double.isNaN(Rounding.accuracy(Double.NaN)));
        assertEquals("0.0", Double.toString(Rounding.decimals(-1e-14, 2)));
        assertEquals(0.1235, Rounding.decimals(0.12345, 4)); // half up
        assertEquals(0.00012346, Rounding.significant(0.000123456, 5));
    }
}
