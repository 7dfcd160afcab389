package dev.shrink4j.cli.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Renders a {@link RunReport} as one self-contained HTML page: the results table and PNG charts
 * (drawn by XChart, embedded as base64) of per-layer sparsity, accuracy against sparsity for a
 * sweep, and the training curves.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    /** The page. Charts whose data is absent are left out. */
    public static String render(RunReport report) {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(report.title())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}")
                .append("td.n{text-align:right}th{background:#f3f3f3}img{max-width:100%;display:block;margin:1em 0}")
                .append("code{background:#f6f6f6;padding:1px 4px}</style></head><body>\n");
        html.append("<h1>").append(escape(report.title())).append("</h1>\n");
        html.append("<p><code>").append(escape(report.command())).append("</code><br>")
                .append(escape(report.createdAt())).append(" · ").append(escape(report.machine()));
        if (report.arch() != null) {
            html.append(" · model ").append(escape(report.arch())).append(" on ").append(escape(report.dataset()));
        }
        html.append("</p>\n");
        if (!report.settings().isEmpty()) {
            html.append("<h2>Settings</h2><table>");
            report.settings().forEach((k, v) -> html.append("<tr><th>").append(escape(k)).append("</th><td>")
                    .append(escape(String.valueOf(v))).append("</td></tr>"));
            html.append("</table>\n");
        }
        if (!report.results().isEmpty()) {
            html.append("<h2>Results</h2>\n").append(resultsTable(report.results()));
        }
        if (!report.layerSparsity().isEmpty()) {
            html.append("<h2>Per-layer sparsity</h2>\n").append(image(sparsityChart(report.layerSparsity())));
        }
        if (!report.sweep().isEmpty()) {
            html.append("<h2>Accuracy against sparsity</h2>\n").append(image(sweepChart(report.sweep())));
        }
        if (!report.trainingCurves().isEmpty()) {
            html.append("<h2>Training curves</h2>\n").append(image(curveChart(report.trainingCurves(), true)))
                    .append(image(curveChart(report.trainingCurves(), false)));
        }
        html.append("</body></html>\n");
        return html.toString();
    }

    private static String resultsTable(List<ResultRow> rows) {
        StringBuilder sb = new StringBuilder("<table><tr><th>method</th><th>accuracy</th><th>Δ accuracy</th>"
                + "<th>nonzero params</th><th>FLOPs (MACs)</th><th>size on disk</th><th>latency / batch</th></tr>\n");
        for (ResultRow r : rows) {
            sb.append("<tr><td>").append(escape(r.method())).append("</td>")
                    .append(cell(String.format(Locale.ROOT, "%.2f%%", 100 * r.accuracy())))
                    .append(cell(String.format(Locale.ROOT, "%+.2f pt", r.deltaAccuracy())))
                    .append(cell(String.format(Locale.ROOT, "%,d (%.1f%%)", r.nonzeroParams(),
                            100.0 * r.nonzeroParams() / r.totalParams())))
                    .append(cell(String.format(Locale.ROOT, "%,d", r.flops())))
                    .append(cell(ResultsTable.size(r)))
                    .append(cell(String.format(Locale.ROOT, "%.2f ms", r.latencyMs()))).append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    private static String cell(String s) {
        return "<td class=\"n\">" + escape(s) + "</td>";
    }

    /** Per-layer sparsity as bars. */
    static CategoryChart sparsityChart(Map<String, Double> sparsity) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(400).title("Sparsity per layer")
                .xAxisTitle("layer").yAxisTitle("share of zero weights").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.addSeries("sparsity", new ArrayList<>(sparsity.keySet()), new ArrayList<>(sparsity.values()));
        return chart;
    }

    /** Accuracy against target sparsity. */
    static XYChart sweepChart(List<SweepPoint> sweep) {
        XYChart chart = new XYChartBuilder().width(900).height(400).title("Accuracy against sparsity")
                .xAxisTitle("sparsity").yAxisTitle("test accuracy").build();
        chart.addSeries("accuracy", sweep.stream().mapToDouble(SweepPoint::sparsity).toArray(),
                sweep.stream().mapToDouble(SweepPoint::accuracy).toArray());
        return chart;
    }

    /** Training loss (or test accuracy) per epoch, one series per run. */
    static XYChart curveChart(List<EpochPoint> points, boolean loss) {
        XYChart chart = new XYChartBuilder().width(900).height(400).title(loss ? "Training loss" : "Accuracy")
                .xAxisTitle("epoch").yAxisTitle(loss ? "loss" : "accuracy").build();
        Map<String, List<EpochPoint>> byRun = new LinkedHashMap<>();
        points.forEach(p -> byRun.computeIfAbsent(p.run(), k -> new ArrayList<>()).add(p));
        byRun.forEach((run, ps) -> chart.addSeries(run, ps.stream().mapToDouble(EpochPoint::epoch).toArray(),
                ps.stream().mapToDouble(p -> loss ? p.trainLoss()
                        : Double.isNaN(p.testAccuracy()) ? p.trainAccuracy() : p.testAccuracy()).toArray()));
        return chart;
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
