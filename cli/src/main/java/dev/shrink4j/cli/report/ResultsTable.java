package dev.shrink4j.cli.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formats result rows as the Markdown table the CLI prints and the README shows. */
public final class ResultsTable {

    private ResultsTable() {
    }

    /** The rows as a Markdown table with aligned columns. */
    public static String markdown(List<ResultRow> rows) {
        String[] header = header(rows).toArray(String[]::new);
        String[][] cells = rows.stream().map(r -> cells(r, rows).toArray(String[]::new)).toArray(String[][]::new);
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

    /** The header of the ONNX Runtime latency column. */
    public static final String ORT_COLUMN = "ORT ms";

    /**
     * The column headers: method, accuracy, Δ accuracy, nonzero params, FLOPs, size on disk, latency, when a row has
     * an ONNX Runtime latency {@value #ORT_COLUMN} beside the libtorch one, and when a row has a
     * {@link ResultRow#shrunk()} model, its parameters, size and latency.
     */
    static List<String> header(List<ResultRow> rows) {
        List<String> header = new ArrayList<>(List.of("method", "accuracy", "Δ accuracy", "nonzero params", "FLOPs (MACs)",
                "size on disk", "latency / batch"));
        if (hasOrtColumn(rows)) {
            header.add(ORT_COLUMN);
        }
        if (hasShrunkColumns(rows)) {
            header.addAll(List.of("shrunk params", "shrunk size", "shrunk latency"));
        }
        return header;
    }

    /** Whether the table has the shrunk model's columns: when some row has a shrunk model. */
    static boolean hasShrunkColumns(List<ResultRow> rows) {
        return rows.stream().anyMatch(r -> r.shrunk() != null);
    }

    /** Whether the table has the {@value #ORT_COLUMN} column: when some row has an ONNX Runtime latency. */
    static boolean hasOrtColumn(List<ResultRow> rows) {
        return rows.stream().anyMatch(ResultRow::hasOrtLatency);
    }

    /**
     * One row's cells under the {@link #header} of {@code rows}: the ONNX Runtime latency in milliseconds ({@code —}
     * where not measured, e.g. no {@code model.onnx}); its shrunk model's parameters (share of the row's total), size
     * and latency, {@value ShrunkModel#MASKED} where speedup removed nothing, {@code —} where the row has no shrunk
     * model (the baseline, quantizers).
     */
    static List<String> cells(ResultRow r, List<ResultRow> rows) {
        List<String> cells = new ArrayList<>(List.of(r.method(), String.format(Locale.ROOT, "%.2f%%", 100 * r.accuracy()),
                String.format(Locale.ROOT, "%+.2f pt", r.deltaAccuracy()), paramsCell(r.nonzeroParams(), r.totalParams()),
                String.format(Locale.ROOT, "%,d", r.flops()), size(r), millis(r.latencyMs())));
        if (hasOrtColumn(rows)) {
            cells.add(r.hasOrtLatency() ? String.format(Locale.ROOT, "%.2f", r.ortLatencyMs()) : NONE);
        }
        if (hasShrunkColumns(rows)) {
            ShrunkModel m = r.shrunk();
            if (m == null) {
                cells.addAll(List.of(NONE, NONE, NONE));
            } else if (!m.isShrunk()) {
                cells.addAll(List.of(ShrunkModel.MASKED, ShrunkModel.MASKED, ShrunkModel.MASKED));
            } else {
                cells.addAll(List.of(paramsCell(m.params(), r.totalParams()), humanBytes(m.sizeBytes()), millis(m.latencyMs())));
            }
        }
        return cells;
    }

    /** The cell of a row without a shrunk model in the shrunk columns. */
    private static final String NONE = "—";

    private static String paramsCell(long params, long of) {
        return String.format(Locale.ROOT, "%,d (%.1f%%)", params, 100.0 * params / of);
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%.2f ms", ms);
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
