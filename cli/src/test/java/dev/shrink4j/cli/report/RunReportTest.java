package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    static RunReport sample() {
        RunReport r = new RunReport("demo", "shrink4j demo").setModel("lenet5", "fashion-mnist");
        r.setting("seed", 42);
        r.addResult(new ResultRow("baseline", 0.9012, 0.0, 61706, 61706, 416520, 248_000, "fp32", 1.25));
        r.addResult(new ResultRow("level 90%", 0.8981, -0.31, 6171, 61706, 41652, 248_000, "masked fp32", 1.31));
        Map<String, Double> sparsity = new LinkedHashMap<>();
        sparsity.put("conv1", 0.5);
        sparsity.put("fc1", 0.9);
        r.setLayerSparsity(sparsity);
        r.addEpoch(new EpochPoint("baseline", 1, 0.6, 0.78, 0.85));
        r.addEpoch(new EpochPoint("baseline", 2, 0.4, 0.86, 0.88));
        r.addSweepPoint(new SweepPoint(0.5, 0.90, 0.5));
        r.addSweepPoint(new SweepPoint(0.9, 0.89, 0.1));
        return r;
    }

    @Test
    void markdownTableHasOneAlignedRowPerResult() {
        assertEquals(""
                + "| method    | accuracy | Δ accuracy | nonzero params  | FLOPs (MACs) | size on disk            | latency / batch |\n"
                + "|-----------|---------:|-----------:|----------------:|-------------:|------------------------:|----------------:|\n"
                + "| baseline  |   90.12% |   +0.00 pt | 61,706 (100.0%) |      416,520 |        242.2 KiB (fp32) |         1.25 ms |\n"
                + "| level 90% |   89.81% |   -0.31 pt |   6,171 (10.0%) |       41,652 | 242.2 KiB (masked fp32) |         1.31 ms |\n",
                ResultsTable.markdown(sample().results()));
    }

    @Test
    void jsonRoundTripsAndHtmlEmbedsEveryChartAsPng(@TempDir Path dir) throws IOException {
        RunReport r = sample();
        r.write(dir);
        RunReport back = RunReport.fromJson(Files.readString(dir.resolve("report.json")));
        assertEquals(r.results(), back.results());
        assertEquals(r.layerSparsity(), back.layerSparsity());
        assertEquals(r.trainingCurves(), back.trainingCurves());
        assertEquals(r.sweep(), back.sweep());
        String html = Files.readString(dir.resolve("report.html"));
        Matcher m = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
        List<byte[]> pngs = new ArrayList<>();
        while (m.find()) {
            pngs.add(Base64.getDecoder().decode(m.group(1)));
        }
        assertEquals(4, pngs.size(), "sparsity bars, sweep, loss curve, accuracy curve");
        for (byte[] png : pngs) {
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        }
        assertTrue(html.contains("<td>level 90%</td><td class=\"n\">89.81%</td><td class=\"n\">-0.31 pt</td>"), html);
    }
}
