package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class HtmlReportTest {

    private static DeployedModel point(String method, boolean baseline, double accuracy, long kib, double ms) {
        return new DeployedModel(method, baseline, accuracy, kib * 1024, "gzip of the fp32 safetensors", ms,
                "libtorch forward of a test batch of 64");
    }

    /** The demo's numbers in the README (accuracy, size KiB, latency ms). */
    private static final List<DeployedModel> DEMO = List.of(
            point("baseline (fp32)", true, 0.9016, 225, 1.78),
            point("level", false, 0.8969, 50, 1.66),
            point("l1-filter", false, 0.8913, 221, 1.49),
            point("qat", false, 0.9024, 51, 6.23),
            point("dorefa", false, 0.8962, 36, 2.09));

    @Test
    void paretoFrontKeepsTheModelsNoOtherBeats() {
        // by size: dorefa (36 KiB) is smallest; level (50) beats it; qat (51) beats level; baseline (225) and
        // l1-filter (221) are bigger and less accurate than qat
        assertEquals(List.of("dorefa", "level", "qat"),
                HtmlReport.paretoFront(DEMO, m -> m.sizeBytes()).stream().map(DeployedModel::method).toList());
        // by latency: l1-filter 1.49 < level 1.66 < baseline 1.78 < dorefa 2.09 < qat 6.23, accuracy rising along
        // l1-filter → level → baseline → qat; dorefa is slower and less accurate than the baseline
        assertEquals(List.of("l1-filter", "level", "baseline (fp32)", "qat"),
                HtmlReport.paretoFront(DEMO, DeployedModel::latencyMs).stream().map(DeployedModel::method).toList());
        // a tie in cost keeps the more accurate model alone; an equally accurate but costlier one is beaten
        List<DeployedModel> ties = List.of(point("a", false, 0.8, 10, 1), point("b", false, 0.9, 10, 1),
                point("c", false, 0.9, 20, 1));
        assertEquals(List.of("b"), HtmlReport.paretoFront(ties, m -> m.sizeBytes()).stream().map(DeployedModel::method).toList());
    }

    @Test
    void paretoChartLabelsEveryModelAndMarksTheBaseline() throws IOException {
        Map<String, Color> colors = new LinkedHashMap<>();
        RunReport r = new RunReport("demo", "shrink4j demo");
        DEMO.forEach(r::addDeployed);
        colors.putAll(HtmlReport.colors(r));
        XYChart bySize = HtmlReport.paretoChart(DEMO, true, colors);
        assertEquals("Test accuracy against deployed size", bySize.getTitle());
        assertEquals("size on disk (KiB)", bySize.getXAxisTitle());
        Map<String, XYSeries> series = bySize.getSeriesMap();
        assertEquals(List.of("Pareto front", "baseline accuracy", "baseline (fp32)", "level", "l1-filter", "qat", "dorefa"),
                List.copyOf(series.keySet()));
        // one point per model, in KiB and percent
        assertEquals(50.0, series.get("level").getXData()[0]);
        assertEquals(89.69, series.get("level").getYData()[0], 1e-9);
        assertEquals(Color.BLACK, series.get("baseline (fp32)").getMarkerColor());
        assertEquals(HtmlReport.PALETTE.get(0), series.get("level").getMarkerColor());
        assertEquals(List.of(36.0, 50.0, 51.0), java.util.Arrays.stream(series.get("Pareto front").getXData()).boxed().toList());
        XYChart byLatency = HtmlReport.paretoChart(DEMO, false, colors);
        assertEquals("latency per test batch (ms)", byLatency.getXAxisTitle());
        assertEquals(6.23, byLatency.getSeriesMap().get("qat").getXData()[0]);
        BufferedImage png = decode(HtmlReport.image(bySize));
        assertEquals(HtmlReport.CHART_WIDTH, png.getWidth());
        assertEquals(HtmlReport.CHART_HEIGHT, png.getHeight());
        // the five methods' colours are drawn (markers and labels)
        Set<Integer> rgb = colours(png);
        for (Color c : List.of(Color.BLACK, HtmlReport.PALETTE.get(0), HtmlReport.PALETTE.get(1), HtmlReport.PALETTE.get(2),
                HtmlReport.PALETTE.get(3))) {
            assertTrue(rgb.contains(c.getRGB() & 0xFFFFFF), "colour " + Integer.toHexString(c.getRGB()) + " is drawn");
        }
    }

    @Test
    void sparsityChartGroupsEveryRunsBarsByLayer() {
        Map<String, Map<String, Double>> byRun = new LinkedHashMap<>();
        byRun.put("level", ordered("conv2", 0.55, "fc1", 0.94));
        byRun.put("l1-filter", ordered("conv1", 0.5, "conv2", 0.5));
        byRun.put("qat", ordered("conv2", 0.02));
        Map<String, Color> colors = Map.of("level", HtmlReport.PALETTE.get(0), "l1-filter", HtmlReport.PALETTE.get(1),
                "qat", HtmlReport.PALETTE.get(2));
        CategoryChart chart = HtmlReport.sparsityChart(byRun, false, colors);
        assertEquals("Zero weights per layer, by method", chart.getTitle());
        assertEquals(List.of("level", "l1-filter", "qat"), List.copyOf(chart.getSeriesMap().keySet()));
        // one group per layer of any run, in the order the runs list them; a run without a layer has no zero
        // weights there
        List<?> layers = List.copyOf(chart.getSeriesMap().get("level").getXData());
        assertEquals(List.of("conv2", "fc1", "conv1"), layers);
        for (CategorySeries s : chart.getSeriesMap().values()) {
            assertEquals(layers, List.copyOf(s.getXData()));
        }
        assertEquals(List.of(50.0, 0.0, 50.0), List.copyOf(chart.getSeriesMap().get("l1-filter").getYData()));
        List<? extends Number> level = List.copyOf(chart.getSeriesMap().get("level").getYData());
        assertEquals(55.0, level.get(0).doubleValue(), 1e-9);
        assertEquals(94.0, level.get(1).doubleValue(), 1e-9);
        assertEquals(0.0, level.get(2).doubleValue());
        assertEquals(HtmlReport.PALETTE.get(1), chart.getSeriesMap().get("l1-filter").getFillColor());
        assertEquals("Zero weights per layer at each sweep point", HtmlReport.sparsityChart(byRun, true, colors).getTitle());
    }

    @Test
    void trainingCurvesTakeTheirMethodsColours() {
        Map<String, Color> colors = new LinkedHashMap<>();
        colors.put("baseline (fp32)", HtmlReport.BASELINE_COLOR);
        colors.put("lottery-ticket", HtmlReport.PALETTE.get(0));
        colors.put("level", HtmlReport.PALETTE.get(1));
        colors.put("level 90%", HtmlReport.PALETTE.get(2));
        assertEquals(HtmlReport.PALETTE.get(0), HtmlReport.runColor("lottery-ticket round 2", colors));
        assertEquals(HtmlReport.PALETTE.get(1), HtmlReport.runColor("level", colors));
        // the longest method name a run starts with: a sweep point's rounds are the point's
        assertEquals(HtmlReport.PALETTE.get(2), HtmlReport.runColor("level 90% round 1", colors));
        assertEquals(HtmlReport.BASELINE_COLOR, HtmlReport.runColor("baseline", colors));
        assertEquals(null, HtmlReport.runColor("level-x", colors));
        List<EpochPoint> points = List.of(new EpochPoint("baseline", 1, 0.5, 0.8, 0.85),
                new EpochPoint("lottery-ticket round 0", 1, 0.4, 0.86, 0.875));
        XYChart accuracy = HtmlReport.curveChart(points, false, colors);
        assertEquals("Test accuracy after each epoch", accuracy.getTitle());
        assertEquals(87.5, accuracy.getSeriesMap().get("lottery-ticket round 0").getYData()[0], 1e-9);
        assertEquals(HtmlReport.PALETTE.get(0), accuracy.getSeriesMap().get("lottery-ticket round 0").getLineColor());
        XYChart loss = HtmlReport.curveChart(points, true, colors);
        assertEquals("Training loss of each epoch", loss.getTitle());
        assertEquals(0.4, loss.getSeriesMap().get("lottery-ticket round 0").getYData()[0]);
        assertEquals("Training accuracy of each epoch",
                HtmlReport.curveChart(List.of(new EpochPoint("a", 1, 0.5, 0.8, Double.NaN)), false, colors).getTitle());
    }

    @Test
    void pageIsSelfContainedAndPutsTheFooterUnderTheResults() throws IOException {
        RunReport r = RunReportTest.sample();
        r.setting("baseline_lr", 0.002);
        String html = HtmlReport.render(r);
        assertSelfContained(html);
        int results = html.indexOf("<h2>Results</h2>");
        int footer = html.indexOf("<p class=\"note\">FLOPs: multiply-accumulates of one forward pass.</p>");
        int pareto = html.indexOf("<h2>Accuracy against deployed size and latency</h2>");
        int sparsity = html.indexOf("<h2>Per-layer sparsity</h2>");
        int settings = html.indexOf("<h2>Settings</h2>");
        assertTrue(results > 0 && html.indexOf("</table>", results) < footer && footer < pareto && pareto < sparsity
                && sparsity < settings, html);
        assertFalse(html.substring(settings).contains("FLOPs"), "the footer is no setting");
        assertTrue(html.contains("Size: gzip of the fp32 safetensors for baseline; gzip of the masked fp32 safetensors "
                + "for level 90%; gzip of the int8 safetensors for qat. Latency: libtorch forward of a test batch of 64."), html);
        for (String alt : List.of("Test accuracy against deployed size", "Test accuracy against deployed latency",
                "Zero weights per layer at each sweep point")) {
            assertTrue(html.contains("<img alt=\"" + alt + "\""), alt);
        }
        for (byte[] png : RunReportTest.embeddedPngs(html)) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(img, "every embedded PNG decodes");
            assertEquals(HtmlReport.CHART_WIDTH, img.getWidth());
            assertTrue(colours(img).size() > 10, "a chart, not a blank image");
        }
    }

    @Test
    void aReportWithoutParetoPointsHasNoParetoCharts() {
        RunReport r = new RunReport("prune", "shrink4j prune");
        r.setLayerSparsity("level", Map.of("conv1", 0.5));
        String html = HtmlReport.render(r);
        assertFalse(html.contains("deployed size"), html);
        assertEquals(1, RunReportTest.embeddedPngs(html).size());
    }

    private static Map<String, Double> ordered(Object... layerShare) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < layerShare.length; i += 2) {
            out.put((String) layerShare[i], (Double) layerShare[i + 1]);
        }
        return out;
    }

    /**
     * Fails unless the page references nothing outside itself: no URL with a scheme other than data:,
     * no {@code src}/{@code href} but embedded PNGs, no stylesheet or script from elsewhere.
     */
    static void assertSelfContained(String html) {
        Matcher scheme = Pattern.compile("(?i)\\b(https?|file|ftp)://|\\bsrc\\s*=\\s*\"(?!data:image/png;base64,)"
                + "|\\bhref\\s*=|<link\\b|<script\\b|@import|url\\(").matcher(html);
        assertFalse(scheme.find(), () -> "report.html refers outside itself: "
                + html.substring(Math.max(0, scheme.start() - 40), Math.min(html.length(), scheme.end() + 40)));
    }

    static BufferedImage decode(String imgTag) throws IOException {
        List<byte[]> pngs = RunReportTest.embeddedPngs(imgTag);
        assertEquals(1, pngs.size());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(pngs.get(0)));
        assertNotNull(img, "the PNG decodes");
        return img;
    }

    static Set<Integer> colours(BufferedImage img) {
        Set<Integer> out = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                out.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return out;
    }
}
