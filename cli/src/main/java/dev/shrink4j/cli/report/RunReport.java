package dev.shrink4j.cli.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import dev.shrink4j.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a run measured, for machines ({@code report.json}) and people ({@code report.html},
 * see {@link HtmlReport}): the settings that ran, the results table and its footer, per-layer
 * sparsity of each run, the Pareto charts' points ({@link DeployedModel}), training curves and sweep
 * points. Measured numbers are kept rounded to what was measured ({@link Rounding}). Mutable while the
 * run fills it in; written atomically.
 */
public final class RunReport {

    // LONG_OR_DOUBLE: a setting written as 5 reads back as 5, not 5.0 (Gson's default for untyped numbers)
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
            .disableHtmlEscaping().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create();

    private String title;
    private String command;
    private String arch;
    private String dataset;
    private String machine;
    private String createdAt;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final List<ResultRow> results = new ArrayList<>();
    private String resultsFooter;
    private final Map<String, Map<String, Double>> layerSparsity = new LinkedHashMap<>();
    private final List<DeployedModel> deployed = new ArrayList<>();
    private final List<EpochPoint> trainingCurves = new ArrayList<>();
    private final List<SweepPoint> sweep = new ArrayList<>();

    /** A report with a title and the command line that produced it. */
    public RunReport(String title, String command) {
        this.title = title;
        this.command = command;
        this.createdAt = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).withNano(0).toString();
        this.machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version");
    }

    public String title() {
        return title;
    }

    public String command() {
        return command;
    }

    public String machine() {
        return machine;
    }

    public String createdAt() {
        return createdAt;
    }

    public String arch() {
        return arch;
    }

    public String dataset() {
        return dataset;
    }

    /** Sets the architecture and dataset names. */
    public RunReport setModel(String arch, String dataset) {
        this.arch = arch;
        this.dataset = dataset;
        return this;
    }

    /** Records a setting (algorithm, epochs, seed…). */
    public RunReport setting(String name, Object value) {
        settings.put(name, value);
        return this;
    }

    public Map<String, Object> settings() {
        return settings;
    }

    /** Adds a results-table row. */
    public RunReport addResult(ResultRow row) {
        results.add(row);
        return this;
    }

    public List<ResultRow> results() {
        return results;
    }

    /** What the results table's columns mean, shown under it (null: nothing). */
    public RunReport setResultsFooter(String footer) {
        this.resultsFooter = footer;
        return this;
    }

    public String resultsFooter() {
        return resultsFooter;
    }

    /**
     * Records the per-layer sparsity of one run's compressed model (a method of the demo, a point of a
     * sweep), replacing an earlier record of the same run. Shares are kept to
     * {@value Rounding#SHARE_DECIMALS} decimals.
     *
     * @param run      the run, as its results row names it
     * @param sparsity layer → share of its weights that are zero
     */
    public RunReport setLayerSparsity(String run, Map<String, Double> sparsity) {
        Map<String, Double> rounded = new LinkedHashMap<>();
        sparsity.forEach((layer, share) -> rounded.put(layer, Rounding.decimals(share, Rounding.SHARE_DECIMALS)));
        layerSparsity.put(run, rounded);
        return this;
    }

    /** Run → layer → share of zero weights, in the order the runs were recorded. */
    public Map<String, Map<String, Double>> layerSparsity() {
        return layerSparsity;
    }

    /** Adds a point of the Pareto charts (accuracy against deployed size and latency). */
    public RunReport addDeployed(DeployedModel model) {
        deployed.add(model);
        return this;
    }

    public List<DeployedModel> deployed() {
        return deployed;
    }

    /** Adds a training-curve point. */
    public RunReport addEpoch(EpochPoint point) {
        trainingCurves.add(point);
        return this;
    }

    public List<EpochPoint> trainingCurves() {
        return trainingCurves;
    }

    /** Adds a sweep point. */
    public RunReport addSweepPoint(SweepPoint point) {
        sweep.add(point);
        return this;
    }

    public List<SweepPoint> sweep() {
        return sweep;
    }

    /** The report as pretty-printed JSON. */
    public String toJson() {
        return GSON.toJson(this);
    }

    /** Reads a report written by {@link #toJson()}. */
    public static RunReport fromJson(String json) {
        return GSON.fromJson(json, RunReport.class);
    }

    /** Writes {@code report.json} and {@code report.html} into {@code dir}, each atomically. */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve("report.json"), toJson());
        AtomicFiles.writeString(dir.resolve("report.html"), HtmlReport.render(this));
    }
}
