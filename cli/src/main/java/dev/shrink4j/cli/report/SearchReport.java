package dev.shrink4j.cli.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The HTML report of one {@code shrink4j search}: the reward of every candidate in search order with the best so
 * far, and the best candidate's keep ratio per prunable layer (XChart PNGs inlined, as {@link HtmlReport} does).
 */
public final class SearchReport {

    private SearchReport() {
    }

    /**
     * The page.
     *
     * @param search  the search's name
     * @param rewards every candidate's reward, in search order
     * @param layers  the prunable layers
     * @param ratios  the best keep ratio of each
     * @param summary the results table as printed (shown as preformatted text)
     */
    public static String render(String search, double[] rewards, List<String> layers, double[] ratios, String summary) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>shrink4j search: " + HtmlReport.escape(search)
                + "</title></head>\n<body style=\"font-family: sans-serif\">\n<h1>Search: " + HtmlReport.escape(search) + "</h1>\n"
                + "<pre>" + HtmlReport.escape(summary) + "</pre>\n"
                + HtmlReport.image(rewardChart(search, rewards)) + HtmlReport.image(ratioChart(layers, ratios))
                + "</body></html>\n";
    }

    /** Reward per candidate (points) and the best reward so far (a line). */
    static XYChart rewardChart(String search, double[] rewards) {
        XYChart chart = new XYChartBuilder().width(HtmlReport.CHART_WIDTH).height(HtmlReport.CHART_HEIGHT)
                .title("Reward per candidate (" + search + ")").xAxisTitle("candidate").yAxisTitle("reward").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        double[] x = new double[rewards.length];
        double[] best = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            x[i] = i;
            best[i] = i == 0 ? rewards[0] : Math.max(best[i - 1], rewards[i]);
        }
        XYSeries points = chart.addSeries("reward", x, rewards);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        points.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(HtmlReport.PALETTE.get(0));
        XYSeries line = chart.addSeries("best so far", x, best);
        line.setMarker(SeriesMarkers.NONE).setLineColor(HtmlReport.PALETTE.get(1));
        return chart;
    }

    /** The best candidate's keep ratio per layer, as bars. */
    static CategoryChart ratioChart(List<String> layers, double[] ratios) {
        CategoryChart chart = new CategoryChartBuilder().width(HtmlReport.CHART_WIDTH).height(HtmlReport.CHART_HEIGHT)
                .title("Best keep ratio per layer").xAxisTitle("layer").yAxisTitle("keep ratio").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendVisible(false);
        List<Double> values = new ArrayList<>();
        for (double r : ratios) {
            values.add(r);
        }
        chart.addSeries("keep ratio", layers, values).setFillColor(HtmlReport.PALETTE.get(0));
        chart.getStyler().setYAxisDecimalPattern("0.00");
        chart.getStyler().setLocale(Locale.ROOT);
        return chart;
    }
}
