package dev.shrink4j.cli.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Annotation;

/**
 * The name of one point of a scatter chart, drawn next to it: to its right, else (where that would
 * leave the plot or cover a label drawn before) to its left, above or below. XChart's own text
 * annotation centres the text on the point, covering it.
 */
final class PointLabel extends Annotation {

    /** Gap between a point and its label (pixels). */
    private static final int GAP = 7;

    private final String text;
    private final double x;
    private final double y;
    private final Font font;
    private final Color color;
    /** The labels of one chart drawn so far, shared by its labels; the first label clears it. */
    private final List<Rectangle> placed;
    private final boolean first;

    private PointLabel(String text, double x, double y, Font font, Color color, List<Rectangle> placed, boolean first) {
        super(false);
        this.text = text;
        this.x = x;
        this.y = y;
        this.font = font;
        this.color = color;
        this.placed = placed;
        this.first = first;
    }

    /** Labels for the points of one chart, placed in this order. */
    static final class Layout {
        private final List<Rectangle> placed = new ArrayList<>();
        private int count;

        /** The label of the point at data coordinates ({@code x}, {@code y}). */
        PointLabel label(String text, double x, double y, Font font, Color color) {
            return new PointLabel(text, x, y, font, color, placed, count++ == 0);
        }
    }

    @Override
    public void paint(Graphics2D g) {
        if (first) {
            placed.clear();
        }
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        int width = fm.stringWidth(text);
        int height = fm.getAscent() + fm.getDescent();
        int px = getXAxisScreenValue(x);
        int py = getYAxisScreenValue(y);
        Rectangle plot = new Rectangle(getXAxisScreenValueForMin(), getYAxisScreenValueForMax(),
                getXAxisScreenValueForMax() - getXAxisScreenValueForMin(),
                getYAxisScreenValueForMin() - getYAxisScreenValueForMax());
        Rectangle[] candidates = {
            new Rectangle(px + GAP, py - height / 2, width, height),
            new Rectangle(px - GAP - width, py - height / 2, width, height),
            new Rectangle(px - width / 2, py - GAP - height, width, height),
            new Rectangle(px - width / 2, py + GAP, width, height),
            new Rectangle(px + GAP, py - GAP - height, width, height),
            new Rectangle(px + GAP, py + GAP, width, height),
        };
        Rectangle chosen = candidates[0];
        for (Rectangle c : candidates) {
            if (plot.contains(c) && placed.stream().noneMatch(c::intersects)) {
                chosen = c;
                break;
            }
        }
        placed.add(chosen);
        bounds = chosen;
        g.setColor(color);
        g.drawString(text, chosen.x, chosen.y + fm.getAscent());
    }
}
