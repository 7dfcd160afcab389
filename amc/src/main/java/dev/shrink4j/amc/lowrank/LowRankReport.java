package dev.shrink4j.amc.lowrank;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * What a low-rank run did, layer by layer: FLOPs before and after, rank, reconstruction and response errors, and
 * the accuracy measured in accuracy-first mode. {@link #toTable()} for consoles, {@link #toJson()} for files.
 *
 * @param layers one row per selected layer, in model order
 */
public record LowRankReport(List<LayerReport> layers) {

    /** Freezes the rows. */
    public LowRankReport {
        layers = List.copyOf(layers);
    }

    /** The selected layers' FLOPs before. */
    public long flopsBefore() {
        return layers.stream().mapToLong(LayerReport::flopsBefore).sum();
    }

    /** The selected layers' FLOPs after. */
    public long flopsAfter() {
        return layers.stream().mapToLong(LayerReport::flopsAfter).sum();
    }

    /** The row of {@code layer}. */
    public LayerReport layer(String layer) {
        return layers.stream().filter(r -> r.layer().equals(layer)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer \"" + layer + "\" in the report; it has "
                        + layers.stream().map(LayerReport::layer).toList()));
    }

    /** A fixed-width table with a total line. */
    public String toTable() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-5s %6s %12s %12s %7s %10s %9s %9s %8s%n",
                "layer", "method", "rank", "FLOPs", "FLOPs after", "ratio", "‖W−W_r‖", "rel. err", "resp. err",
                "acc"));
        for (LayerReport r : layers) {
            sb.append(String.format(Locale.ROOT, "%-12s %-5s %6s %12d %12d %7.3f %10.4f %9.4f %9.4f %8s%s%n", r.layer(),
                    r.method(), r.decomposed() ? Long.toString(r.rank()) : "kept", r.flopsBefore(), r.flopsAfter(),
                    r.flopsRatio(), r.weightError(), r.relativeWeightError(), r.responseError(),
                    Double.isNaN(r.accuracy()) ? "-" : String.format(Locale.ROOT, "%.4f", r.accuracy()),
                    r.note().isEmpty() ? "" : "  " + r.note()));
        }
        sb.append(String.format(Locale.ROOT, "%-12s %-5s %6s %12d %12d %7.3f%n", "total", "", "", flopsBefore(), flopsAfter(),
                flopsBefore() == 0 ? 1.0 : (double) flopsAfter() / flopsBefore()));
        return sb.toString();
    }

    /** The report as pretty JSON ({@code {"layers": [...], "flops_before": …, "flops_after": …}}); NaN as null. */
    public String toJson() {
        JsonObject root = new JsonObject();
        JsonArray rows = new JsonArray();
        for (LayerReport r : layers) {
            JsonObject o = new JsonObject();
            o.addProperty("layer", r.layer());
            o.addProperty("method", r.method());
            o.addProperty("rank", r.rank());
            o.addProperty("max_rank", r.maxRank());
            o.addProperty("flops_before", r.flopsBefore());
            o.addProperty("flops_after", r.flopsAfter());
            number(o, "weight_error", r.weightError());
            number(o, "relative_weight_error", r.relativeWeightError());
            number(o, "response_error", r.responseError());
            number(o, "accuracy", r.accuracy());
            o.addProperty("note", r.note());
            rows.add(o);
        }
        root.add("layers", rows);
        root.addProperty("flops_before", flopsBefore());
        root.addProperty("flops_after", flopsAfter());
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root);
    }

    private static void number(JsonObject o, String key, double v) {
        if (Double.isNaN(v)) {
            o.add(key, com.google.gson.JsonNull.INSTANCE);
        } else {
            o.addProperty(key, v);
        }
    }
}
