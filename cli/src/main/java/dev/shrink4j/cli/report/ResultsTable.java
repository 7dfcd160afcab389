package dev.shrink4j.cli.report;

import java.util.List;
import java.util.Locale;

/** Formats result rows as the Markdown table the CLI prints and the README shows. */
public final class ResultsTable {

    private ResultsTable() {
    }

    /** The rows as a Markdown table with aligned columns. */
    public static String markdown(List<ResultRow> rows) {
        String[] header = {"method", "accuracy", "Δ accuracy", "nonzero params", "FLOPs (MACs)", "size on disk", "latency / batch"};
        String[][] cells = new String[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            ResultRow r = rows.get(i);
            cells[i] = new String[] {r.method(), String.format(Locale.ROOT, "%.2f%%", 100 * r.accuracy()),
                    String.format(Locale.ROOT, "%+.2f pt", r.deltaAccuracy()),
                    String.format(Locale.ROOT, "%,d (%.1f%%)", r.nonzeroParams(), 100.0 * r.nonzeroParams() / r.totalParams()),
                    String.format(Locale.ROOT, "%,d", r.flops()), size(r),
                    String.format(Locale.ROOT, "%.2f ms", r.latencyMs())};
        }
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = header[c].length();
            for (String[] row : cells) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, width, false);
        sb.append('|');
        for (int c = 0; c < header.length; c++) {
            sb.append(c == 0 ? "-".repeat(width[c] + 2) : "-".repeat(width[c] + 1) + ":").append('|');
        }
        sb.append('\n');
        for (String[] row : cells) {
            line(sb, row, width, true);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width, boolean rightAlignNumbers) {
        sb.append('|');
        for (int c = 0; c < cells.length; c++) {
            String fmt = c > 0 && rightAlignNumbers ? "%" + width[c] + "s" : "%-" + width[c] + "s";
            sb.append(' ').append(String.format(fmt, cells[c])).append(" |");
        }
        sb.append('\n');
    }

    /** The size cell: {@code "1.5 KiB (int8)"}, the artifact in parentheses when the row names it. */
    static String size(ResultRow r) {
        return humanBytes(r.sizeBytes()) + (r.artifact() == null ? "" : " (" + r.artifact() + ")");
    }

    /** {@code 1536 → "1.5 KiB"}. */
    public static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024.0));
    }
}
