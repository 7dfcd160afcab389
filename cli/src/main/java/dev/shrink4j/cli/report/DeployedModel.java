package dev.shrink4j.cli.report;

import java.util.Locale;

/**
 * One point of the Pareto charts: a model as it would be shipped, its test accuracy against the size
 * of the file that ships it and the time it takes to run. Today the points are the files the runs
 * export and libtorch's forward latency ({@link #measured}); a run that writes a smaller deployable
 * file (physically shrunk weights, ONNX) and measures it in its runtime adds its points with that
 * file's size and that runtime's latency, naming both in {@code sizeOf} and {@code latencyOf}.
 *
 * @param method    the method, as in the results table ({@code baseline (fp32)}, {@code level}, …)
 * @param baseline  whether this is the uncompressed model the others are compared with
 * @param accuracy  top-1 test accuracy in [0, 1]
 * @param sizeBytes size of the deployed file (bytes)
 * @param sizeOf    what {@code sizeBytes} measures, e.g. {@code gzip of the int8 safetensors}
 * @param latencyMs mean latency of one batch (ms)
 * @param latencyOf what {@code latencyMs} measures, e.g. {@code libtorch forward, batch of 64}
 * @param ortLatencyMs mean ONNX Runtime latency of the same batches (ms) of the model's {@code model.onnx}; null
 *                  when not measured
 */
public record DeployedModel(String method, boolean baseline, double accuracy, long sizeBytes, String sizeOf,
        double latencyMs, String latencyOf, Double ortLatencyMs) {

    /** Rounds the measured values as {@link ResultRow} does. */
    public DeployedModel {
        accuracy = Rounding.accuracy(accuracy);
        latencyMs = Rounding.decimals(latencyMs, Rounding.MILLIS_DECIMALS);
        ortLatencyMs = ortLatencyMs == null || ortLatencyMs.isNaN() ? null : Rounding.decimals(ortLatencyMs, Rounding.MILLIS_DECIMALS);
    }

    /** A point without an ONNX Runtime latency. */
    public DeployedModel(String method, boolean baseline, double accuracy, long sizeBytes, String sizeOf, double latencyMs,
            String latencyOf) {
        this(method, baseline, accuracy, sizeBytes, sizeOf, latencyMs, latencyOf, null);
    }

    /**
     * The point a results row measured: the gzip size of the file it exported (its artifact) and its
     * mean libtorch forward time per test batch of {@code batchSize}; for a row whose model physical speedup
     * made smaller ({@link ShrunkModel#isShrunk()}), what ships is the shrunk file: its size and latency, at the
     * row's accuracy. The row's ONNX Runtime latency, when it has one, goes with it.
     */
    public static DeployedModel measured(ResultRow row, boolean baseline, int batchSize) {
        DeployedModel m = row.shrunk() != null && row.shrunk().isShrunk()
                ? measured(row.method(), baseline, row.accuracy(), row.shrunk().sizeBytes(), SHRUNK_ARTIFACT,
                        row.shrunk().latencyMs(), batchSize)
                : measured(row.method(), baseline, row.accuracy(), row.sizeBytes(), row.artifact(), row.latencyMs(), batchSize);
        return new DeployedModel(m.method(), m.baseline(), m.accuracy(), m.sizeBytes(), m.sizeOf(), m.latencyMs(), m.latencyOf(),
                row.ortLatencyMs());
    }

    /** The artifact a shrunk model ships as: {@code model-shrunk.safetensors}. */
    public static final String SHRUNK_ARTIFACT = "shrunk fp32";

    /**
     * The point of a model measured as the results table measures it: {@code sizeBytes} the gzip size
     * of the {@code artifact} safetensors file it exported, {@code latencyMs} its mean libtorch forward
     * time per test batch of {@code batchSize}.
     */
    public static DeployedModel measured(String method, boolean baseline, double accuracy, long sizeBytes, String artifact,
            double latencyMs, int batchSize) {
        return new DeployedModel(method, baseline, accuracy, sizeBytes,
                "gzip of the " + (artifact == null ? "exported" : artifact) + " safetensors", latencyMs,
                String.format(Locale.ROOT, "libtorch forward of a test batch of %d", batchSize));
    }
}
