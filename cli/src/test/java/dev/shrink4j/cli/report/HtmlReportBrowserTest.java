package dev.shrink4j.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser (headless Chromium; skipped without one, except under {@code CI=true}):
 * it loads without errors, fetches nothing, every image decodes to the size of the PNG embedded, and a
 * screenshot of the whole page comes out.
 */
class HtmlReportBrowserTest {

    @TempDir
    Path dir;

    @Test
    void reportLoadsCleanlyAndEveryImageDecodesInChromium() throws IOException {
        HeadlessChromium chromium = Browsers.chromium();
        RunReport report = RunReportTest.sample();
        report.write(dir);
        Path html = dir.resolve("report.html");
        String page = Files.readString(html);
        HtmlReportTest.assertSelfContained(page);
        List<BufferedImage> embedded = new ArrayList<>();
        for (byte[] png : RunReportTest.embeddedPngs(page)) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(img, "ImageIO decodes every embedded PNG");
            embedded.add(img);
        }
        assertEquals(6, embedded.size());

        // the screenshot loads the page twice: once with the check script (which also measures the page), once as is
        Path png = dir.resolve("report.png");
        HeadlessChromium.Screenshot shot = chromium.screenshot(html, png, HtmlReport.SCREENSHOT_WIDTH);
        HeadlessChromium.PageCheck check = shot.page();
        assertEquals(List.of(), check.problems(), "the page loads without errors, console messages or requests");
        assertEquals(embedded.size(), check.images().size());
        for (int i = 0; i < embedded.size(); i++) {
            HeadlessChromium.ImageCheck img = check.images().get(i);
            assertTrue(img.complete(), img.alt());
            // the browser decodes each image to the size ImageIO reads from the same bytes
            assertEquals(embedded.get(i).getWidth(), img.width(), img.alt());
            assertEquals(embedded.get(i).getHeight(), img.height(), img.alt());
        }
        // six charts of 420 pixels and the tables above them
        assertTrue(check.height() > 6 * HtmlReport.CHART_HEIGHT, "page height " + check.height());
        try (var files = Files.list(dir)) {
            assertEquals(List.of("report.html", "report.json", "report.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "the checked copy is removed");
        }
        BufferedImage screenshot = ImageIO.read(png.toFile());
        assertNotNull(screenshot, "the screenshot is a PNG");
        assertEquals(HtmlReport.SCREENSHOT_WIDTH, screenshot.getWidth());
        assertEquals(check.height(), screenshot.getHeight(), "the whole page");
        // the charts are drawn into the screenshot: many colours, not a blank or error page
        assertTrue(HtmlReportTest.colours(screenshot).size() > 100, "colours in the screenshot");
    }

    @Test
    void brokenImageExternalResourceScriptErrorAndConsoleMessageAreReported() throws IOException {
        HeadlessChromium chromium = Browsers.chromium();
        Path html = dir.resolve("broken.html");
        Files.writeString(html, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                + "<img alt=\"truncated\" src=\"data:image/png;base64,iVBORw0KGgo=\">"
                + "<img alt=\"remote\" src=\"http://example.invalid/chart.png\">"
                + "<script>console.error('boom'); null.x;</script></body></html>");
        HeadlessChromium.PageCheck check = chromium.check(html, 800);
        assertEquals(2, check.images().size());
        assertEquals(0, check.images().get(0).width());
        List<String> problems = check.problems();
        assertTrue(problems.contains("image 1 (\"truncated\") did not decode: 0 x 0"), problems.toString());
        assertTrue(problems.contains("image 2 (\"remote\") did not decode: 0 x 0"), problems.toString());
        assertTrue(problems.contains("error: could not load <img> http://example.invalid/chart.png"), problems.toString());
        assertTrue(check.resources().contains("http://example.invalid/chart.png"), check.resources().toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("error: Uncaught TypeError")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("console: ") && p.contains("boom")), problems.toString());
    }
}
