package dev.shrink4j.cli.report;

/**
 * One line of a results table: a model variant and what it measured.
 *
 * @param method          e.g. {@code baseline}, {@code level 90%}, {@code QAT 8-bit}
 * @param accuracy        top-1 test accuracy in [0, 1]
 * @param deltaAccuracy   accuracy minus the baseline's, in percentage points
 * @param nonzeroParams   parameters that are not zero
 * @param totalParams     all parameters
 * @param flops           multiply-accumulates of one forward of one sample, counting only nonzero
 *                        weights for pruned layers
 * @param sizeBytes       size on disk of the exported weights (bytes)
 * @param artifact        what {@code sizeBytes} measures: {@code fp32}, {@code masked fp32},
 *                        {@code int8} or {@code fake-quant fp32} (null: not said)
 * @param latencyMs       mean forward latency per batch (ms)
 * @param shrunk          the model after physical speedup, when the run made one ({@code prune --speedup}, the
 *                        demo's pruners); null otherwise
 * @param ortLatencyMs    mean ONNX Runtime latency per batch (ms) of the run's {@code model.onnx} (the shrunk model
 *                        where there is one, QDQ for quantizers) on the same test batches; null when not measured
 *                        (then {@code report.json} has no such entry)
 *
 * <p>The accuracy is kept to {@value Rounding#ACCURACY_DECIMALS} decimals, its difference to
 * {@value Rounding#DELTA_POINTS_DECIMALS} decimals of a point and the latency to a microsecond: what
 * was measured, without the noise of the arithmetic that derived them.
 */
public record ResultRow(String method, double accuracy, double deltaAccuracy, long nonzeroParams, long totalParams,
        long flops, long sizeBytes, String artifact, double latencyMs, ShrunkModel shrunk, Double ortLatencyMs) {

    /** A row without a shrunk model nor an ONNX Runtime latency. */
    public ResultRow(String method, double accuracy, double deltaAccuracy, long nonzeroParams, long totalParams, long flops,
            long sizeBytes, String artifact, double latencyMs) {
        this(method, accuracy, deltaAccuracy, nonzeroParams, totalParams, flops, sizeBytes, artifact, latencyMs, null, null);
    }

    /** Rounds the measured values. */
    public ResultRow {
        accuracy = Rounding.accuracy(accuracy);
        deltaAccuracy = Rounding.decimals(deltaAccuracy, Rounding.DELTA_POINTS_DECIMALS);
        latencyMs = Rounding.decimals(latencyMs, Rounding.MILLIS_DECIMALS);
        ortLatencyMs = ortLatencyMs == null || ortLatencyMs.isNaN() ? null : Rounding.decimals(ortLatencyMs, Rounding.MILLIS_DECIMALS);
    }

    /** This row with {@code shrunk}, the model physical speedup made of it. */
    public ResultRow withShrunk(ShrunkModel shrunk) {
        return new ResultRow(method, accuracy, deltaAccuracy, nonzeroParams, totalParams, flops, sizeBytes, artifact, latencyMs,
                shrunk, ortLatencyMs);
    }

    /**
     * This row with {@code ortLatencyMs}, its {@code model.onnx}'s mean ONNX Runtime time per test batch (NaN: not
     * measured).
     */
    public ResultRow withOrtLatency(double ortLatencyMs) {
        return new ResultRow(method, accuracy, deltaAccuracy, nonzeroParams, totalParams, flops, sizeBytes, artifact, latencyMs,
                shrunk, ortLatencyMs);
    }

    /** Whether the row has an ONNX Runtime latency. */
    public boolean hasOrtLatency() {
        return ortLatencyMs != null;
    }
}
