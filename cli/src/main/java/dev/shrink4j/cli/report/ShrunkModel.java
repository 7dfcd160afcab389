package dev.shrink4j.cli.report;

/**
 * A pruned model after physical speedup ({@code model-shrunk.safetensors}), as a results row reports it beside
 * the masked model it came from: its real parameter count, the gzip size of its file and its measured latency.
 * When the masks removed no whole filter or channel (a level pruner's), speedup leaves them as masks and the
 * model keeps its shape: {@link #resizedLayers()} is 0 and the table says {@code masked}.
 *
 * @param accuracy      top-1 test accuracy in [0, 1] of the shrunk model (NaN when not evaluated); equal to the
 *                      masked model's up to float noise
 * @param params        parameters of the shrunk model (all of them: what it stores)
 * @param sizeBytes     gzip size of {@code model-shrunk.safetensors} (bytes)
 * @param latencyMs     mean forward latency per test batch (ms; NaN when not evaluated)
 * @param resizedLayers how many layers speedup made smaller (0: nothing to remove, the model stays masked)
 */
public record ShrunkModel(double accuracy, long params, long sizeBytes, double latencyMs, int resizedLayers) {

    /** What the table shows for a model that speedup could not make smaller. */
    public static final String MASKED = "masked";

    /** Rounds the measured values as {@link ResultRow} does. */
    public ShrunkModel {
        accuracy = Rounding.accuracy(accuracy);
        latencyMs = Rounding.decimals(latencyMs, Rounding.MILLIS_DECIMALS);
    }

    /** Whether speedup removed anything (else the model is the masked one, {@link #MASKED}). */
    public boolean isShrunk() {
        return resizedLayers > 0;
    }
}
