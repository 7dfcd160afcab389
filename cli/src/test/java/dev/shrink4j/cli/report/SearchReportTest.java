package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;

/** The search report's charts hold the numbers they are given. */
class SearchReportTest {

    @Test
    void rewardChartShowsEveryRewardAndTheBestSoFar() {
        XYChart chart = SearchReport.rewardChart("genetic", new double[] {0.1, 0.3, 0.2, 0.4});
        assertArrayEquals(new double[] {0.1, 0.3, 0.2, 0.4}, chart.getSeriesMap().get("reward").getYData());
        assertArrayEquals(new double[] {0.1, 0.3, 0.3, 0.4}, chart.getSeriesMap().get("best so far").getYData());
        assertArrayEquals(new double[] {0, 1, 2, 3}, chart.getSeriesMap().get("reward").getXData());
    }

    @Test
    void pageHasTheTableAndBothCharts() {
        String html = SearchReport.render("amc-ddpg", new double[] {0.5, 0.6}, List.of("conv2", "fc1"),
                new double[] {0.5, 0.75}, "search  best reward\namc-ddpg  0.6000 <x>");
        assertTrue(html.contains("<pre>search  best reward\namc-ddpg  0.6000 &lt;x&gt;</pre>"), html);
        assertEquals(2, html.split("<img alt=", -1).length - 1);
        assertTrue(html.contains("<img alt=\"Best keep ratio per layer\""));
    }
}
