package dev.shrink4j.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders a {@link RunReport} as one self-contained HTML page (no script, no external resource): the
 * results table with its footer, PNG charts (drawn by XChart, embedded as base64) of accuracy against
 * deployed size and latency (the Pareto charts), per-layer sparsity of every run, accuracy against
 * sparsity for a sweep and the training curves, then the settings that ran.
 */
public final class HtmlReport {

    /** Chart width (pixels); the page is a little wider. */
    static final int CHART_WIDTH = 900;
    /** The browser window width a screenshot of the page is taken at (pixels). */
    public static final int SCREENSHOT_WIDTH = 1100;
    /** Chart height (pixels). */
    static final int CHART_HEIGHT = 420;
    /** The dense baseline's colour on the Pareto charts. */
    static final Color BASELINE_COLOR = Color.BLACK;
    /** Series colours, in the order runs appear (Okabe and Ito's palette, told apart by colour-blind readers). */
    static final List<Color> PALETTE = List.of(new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0xD55E00), new Color(0x56B4E9), new Color(0x999999), new Color(0x7F3C8D));
    private static final Color FRONT_COLOR = new Color(0xB0B0B0);

    private HtmlReport() {
    }

    /** The page. Sections whose data is absent are left out. */
    public static String render(RunReport report) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(report.title())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}")
                .append("td.n{text-align:right}th{background:#f3f3f3;text-align:left}")
                .append("img{max-width:100%;display:block;margin:1em 0 .3em}")
                .append("p.note{font-size:90%;color:#555;max-width:900px}")
                .append("code{background:#f6f6f6;padding:1px 4px}</style></head><body>\n");
        html.append("<h1>").append(escape(report.title())).append("</h1>\n");
        html.append("<p><code>").append(escape(report.command())).append("</code><br>")
                .append(escape(report.createdAt())).append(" · ").append(escape(report.machine()));
        if (report.arch() != null) {
            html.append(" · model ").append(escape(report.arch())).append(" on ").append(escape(report.dataset()));
        }
        html.append("</p>\n");
        Map<String, Color> colors = colors(report);
        if (!report.results().isEmpty()) {
            html.append("<h2>Results</h2>\n").append(resultsTable(report.results()));
            if (report.resultsFooter() != null) {
                html.append(note(report.resultsFooter()));
            }
        }
        if (report.deployed().size() > 1) {
            html.append("<h2>Accuracy against deployed size and latency</h2>\n")
                    .append(image(paretoChart(report.deployed(), true, colors)))
                    .append(image(paretoChart(report.deployed(), false, colors)))
                    .append(note(paretoNote(report.deployed())));
        }
        if (!report.layerSparsity().isEmpty()) {
            html.append("<h2>Per-layer sparsity</h2>\n")
                    .append(image(sparsityChart(report.layerSparsity(), !report.sweep().isEmpty(), colors)))
                    .append(note("The share of each convolution and linear layer's weights that are zero as the compressed "
                            + "model computes with them (pruning masks and quantization applied), one bar per "
                            + (report.sweep().isEmpty() ? "method" : "sweep point") + "."));
        }
        if (!report.sweep().isEmpty()) {
            html.append("<h2>Accuracy against sparsity</h2>\n").append(image(sweepChart(report.sweep())));
        }
        if (!report.trainingCurves().isEmpty()) {
            html.append("<h2>Training curves</h2>\n").append(image(curveChart(report.trainingCurves(), true, colors)))
                    .append(image(curveChart(report.trainingCurves(), false, colors)));
        }
        if (!report.settings().isEmpty()) {
            html.append("<h2>Settings</h2><table>");
            report.settings().forEach((k, v) -> html.append("<tr><th>").append(escape(k)).append("</th><td>")
                    .append(escape(String.valueOf(v))).append("</td></tr>"));
            html.append("</table>\n");
        }
        html.append("</body></html>\n");
        return html.toString();
    }

    private static String note(String text) {
        return "<p class=\"note\">" + escape(text) + "</p>\n";
    }

    private static String resultsTable(List<ResultRow> rows) {
        StringBuilder sb = new StringBuilder("<table><tr>");
        ResultsTable.header(rows).forEach(h -> sb.append("<th>").append(escape(h)).append("</th>"));
        sb.append("</tr>\n");
        for (ResultRow r : rows) {
            List<String> cells = ResultsTable.cells(r, rows);
            sb.append("<tr><td>").append(escape(cells.get(0))).append("</td>");
            cells.subList(1, cells.size()).forEach(c -> sb.append(cell(c)));
            sb.append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    private static String cell(String s) {
        return "<td class=\"n\">" + escape(s) + "</td>";
    }

    /**
     * One colour per run, the same on every chart: the Pareto points' methods first, then runs that
     * only have per-layer sparsity; the baseline is {@link #BASELINE_COLOR}.
     */
    static Map<String, Color> colors(RunReport report) {
        Map<String, Color> colors = new LinkedHashMap<>();
        int next = 0;
        for (DeployedModel m : report.deployed()) {
            if (m.baseline()) {
                colors.put(m.method(), BASELINE_COLOR);
            } else if (!colors.containsKey(m.method())) {
                colors.put(m.method(), PALETTE.get(next++ % PALETTE.size()));
            }
        }
        for (String run : report.layerSparsity().keySet()) {
            if (!colors.containsKey(run)) {
                colors.put(run, PALETTE.get(next++ % PALETTE.size()));
            }
        }
        return colors;
    }

    /**
     * Per-layer share of zero weights as grouped bars: one group per layer (in model order, layers of
     * every run), one bar per run (a method, or a sweep point when {@code sweep}).
     */
    static CategoryChart sparsityChart(Map<String, Map<String, Double>> byRun, boolean sweep, Map<String, Color> colors) {
        List<String> layers = new ArrayList<>();
        byRun.values().forEach(m -> m.keySet().stream().filter(l -> !layers.contains(l)).forEach(layers::add));
        CategoryChart chart = new CategoryChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
                .title(sweep ? "Zero weights per layer at each sweep point" : "Zero weights per layer, by method")
                .xAxisTitle("layer").yAxisTitle("zero weights (% of the layer's weights)").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0).setYAxisDecimalPattern("0");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE).setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setAvailableSpaceFill(0.8);
        if (layers.size() > 8) {
            chart.getStyler().setXAxisLabelRotation(45);
        }
        byRun.forEach((run, shares) -> {
            List<Double> percent = layers.stream().map(l -> 100 * shares.getOrDefault(l, 0.0)).toList();
            chart.addSeries(run, layers, percent).setFillColor(colors.getOrDefault(run, PALETTE.get(0)));
        });
        return chart;
    }

    /**
     * Accuracy against deployed size ({@code bySize}) or latency: one labelled point per model, the
     * dense baseline a black diamond, the models no other beats on both axes joined by a line, and a
     * dashed line at the baseline's accuracy.
     */
    static XYChart paretoChart(List<DeployedModel> models, boolean bySize, Map<String, Color> colors) {
        ToDoubleFunction<DeployedModel> xOf = bySize ? m -> m.sizeBytes() / 1024.0 : DeployedModel::latencyMs;
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
                .title(bySize ? "Test accuracy against deployed size" : "Test accuracy against deployed latency")
                .xAxisTitle(bySize ? "size on disk (KiB)" : "latency per test batch (ms)").yAxisTitle("test accuracy (%)")
                .build();
        XYStyler st = chart.getStyler();
        st.setLegendVisible(false).setChartBackgroundColor(Color.WHITE).setMarkerSize(11);
        double maxX = models.stream().mapToDouble(xOf).max().orElse(1);
        double minY = models.stream().mapToDouble(m -> 100 * m.accuracy()).min().orElse(0);
        double maxY = models.stream().mapToDouble(m -> 100 * m.accuracy()).max().orElse(100);
        double padY = Math.max(0.5, maxY - minY) * 0.15;
        // from 0: a file half the size sits at half the distance
        st.setXAxisMin(0.0).setXAxisMax(maxX * 1.18).setYAxisMin(minY - padY).setYAxisMax(maxY + padY);
        st.setXAxisDecimalPattern(bySize ? "#,##0" : "0.0#").setYAxisDecimalPattern("0.0#");
        List<DeployedModel> front = paretoFront(models, xOf);
        if (front.size() > 1) {
            XYSeries line = chart.addSeries("Pareto front", front.stream().mapToDouble(xOf).toArray(),
                    front.stream().mapToDouble(m -> 100 * m.accuracy()).toArray());
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE)
                    .setLineColor(FRONT_COLOR).setLineStyle(new BasicStroke(2f));
        }
        models.stream().filter(DeployedModel::baseline).findFirst().ifPresent(b -> {
            XYSeries line = chart.addSeries("baseline accuracy", new double[] {0, maxX * 1.18},
                    new double[] {100 * b.accuracy(), 100 * b.accuracy()});
            line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE)
                    .setLineColor(FRONT_COLOR).setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                            10f, new float[] {6f, 4f}, 0f));
        });
        PointLabel.Layout labels = new PointLabel.Layout();
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        for (DeployedModel m : models) {
            Color color = m.baseline() ? BASELINE_COLOR : colors.getOrDefault(m.method(), PALETTE.get(0));
            XYSeries point = chart.addSeries(m.method(), new double[] {xOf.applyAsDouble(m)}, new double[] {100 * m.accuracy()});
            point.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter)
                    .setMarker(m.baseline() ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE).setMarkerColor(color);
            chart.addAnnotation(labels.label(m.method(), xOf.applyAsDouble(m), 100 * m.accuracy(),
                    m.baseline() ? font.deriveFont(Font.BOLD) : font, color));
        }
        return chart;
    }

    /**
     * The models no other model beats, in order of {@code cost}: each is more accurate than every
     * model that costs as little or less (ties in cost: the more accurate one alone). What a reader
     * picks from: for any budget, the best model within it is on the front.
     */
    static List<DeployedModel> paretoFront(List<DeployedModel> models, ToDoubleFunction<DeployedModel> cost) {
        List<DeployedModel> sorted = new ArrayList<>(models);
        sorted.sort(Comparator.comparingDouble(cost).thenComparing(Comparator.comparingDouble(DeployedModel::accuracy).reversed()));
        List<DeployedModel> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (DeployedModel m : sorted) {
            if (m.accuracy() > best) {
                front.add(m);
                best = m.accuracy();
            }
        }
        return front;
    }

    /** What the Pareto charts' axes measure, from the points' own descriptions. */
    static String paretoNote(List<DeployedModel> models) {
        Map<String, List<String>> sizes = new LinkedHashMap<>();
        Map<String, List<String>> latencies = new LinkedHashMap<>();
        for (DeployedModel m : models) {
            sizes.computeIfAbsent(m.sizeOf(), k -> new ArrayList<>()).add(m.method());
            latencies.computeIfAbsent(m.latencyOf(), k -> new ArrayList<>()).add(m.method());
        }
        return "One point per model; up and to the left is better. The grey line joins the models no other beats on "
                + "both accuracy and the cost on the x axis (the Pareto front); the dashed line is the baseline's accuracy. "
                + "Size: " + describe(sizes) + ". Latency: " + describe(latencies) + ".";
    }

    private static String describe(Map<String, List<String>> byWhat) {
        if (byWhat.size() == 1) {
            return byWhat.keySet().iterator().next();
        }
        StringBuilder sb = new StringBuilder();
        byWhat.forEach((what, methods) -> sb.append(sb.length() == 0 ? "" : "; ").append(what).append(" for ")
                .append(String.join(", ", methods)));
        return sb.toString();
    }

    /** Accuracy (in percent) against target sparsity. */
    static XYChart sweepChart(List<SweepPoint> sweep) {
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT).title("Accuracy against sparsity")
                .xAxisTitle("target sparsity").yAxisTitle("test accuracy (%)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendVisible(false);
        XYSeries series = chart.addSeries("accuracy", sweep.stream().mapToDouble(SweepPoint::sparsity).toArray(),
                sweep.stream().mapToDouble(p -> 100 * p.accuracy()).toArray());
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineColor(PALETTE.get(0));
        series.setMarkerColor(PALETTE.get(0));
        return chart;
    }

    /**
     * Training loss (or accuracy, in percent) per epoch, one series per run, each in its method's colour
     * ({@code level round 2} in {@code level}'s; the baseline's black).
     */
    static XYChart curveChart(List<EpochPoint> points, boolean loss, Map<String, Color> colors) {
        boolean allTested = points.stream().noneMatch(p -> Double.isNaN(p.testAccuracy()));
        boolean noneTested = points.stream().allMatch(p -> Double.isNaN(p.testAccuracy()));
        String accuracyTitle = allTested ? "Test accuracy after each epoch" : noneTested ? "Training accuracy of each epoch"
                : "Accuracy after each epoch (test; training where no test set was read)";
        XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
                .title(loss ? "Training loss of each epoch" : accuracyTitle)
                .xAxisTitle("epoch").yAxisTitle(loss ? "mean training loss" : "accuracy (%)").build();
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        Map<String, List<EpochPoint>> byRun = new LinkedHashMap<>();
        points.forEach(p -> byRun.computeIfAbsent(p.run(), k -> new ArrayList<>()).add(p));
        byRun.forEach((run, ps) -> {
            XYSeries series = chart.addSeries(run, ps.stream().mapToDouble(EpochPoint::epoch).toArray(),
                    ps.stream().mapToDouble(p -> loss ? p.trainLoss()
                            : 100 * (Double.isNaN(p.testAccuracy()) ? p.trainAccuracy() : p.testAccuracy())).toArray());
            Color color = runColor(run, colors);
            if (color != null) {
                series.setLineColor(color);
                series.setMarkerColor(color);
            }
        });
        return chart;
    }

    /**
     * The colour of a run's curve: its method's ({@code level round 2} is {@code level}'s, the longest
     * method name it starts with), black for the baseline, or null (XChart's own) for another run.
     */
    static Color runColor(String run, Map<String, Color> colors) {
        if (colors.containsKey(run)) {
            return colors.get(run);
        }
        String method = null;
        for (String m : colors.keySet()) {
            if (run.startsWith(m + " ") && (method == null || m.length() > method.length())) {
                method = m;
            }
        }
        if (method != null) {
            return colors.get(method);
        }
        return run.equals("baseline") || run.startsWith("baseline ") ? BASELINE_COLOR : null;
    }

    /** A PNG of the chart as an inline {@code <img>}. */
    static String image(Chart<?, ?> chart) {
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            return "<img alt=\"" + escape(chart.getTitle()) + "\" src=\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(png) + "\">\n";
        } catch (IOException e) {
            throw new UncheckedIOException("could not render chart \"" + chart.getTitle() + "\"", e);
        }
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
